import Foundation
import FeatureConsumer
import TwinlogConfig
import TwinlogEvents
import TwinlogKafka
import TwinlogPostgres
import TwinlogRAG
import TrainingConsumer

/// What the consumers of one process are built from: the configuration, the index snapshot, and
/// the models, loaded once for every component that needs them. Names derived from the settings
/// (consumer groups, the replication slot, the publication) are defined here once, so `run`, the
/// demo and operators agree on them.
public struct ProcessSettings: Sendable {
    public var config: TwinlogConfiguration
    public var models: ModelStore
    /// The index component's snapshot file.
    public var indexSnapshot: URL
    /// Time between index snapshots while chunks arrive.
    public var snapshotInterval: Duration = .seconds(60)
    /// The author the twin speaks for: the drift monitor watches their chunks (nil: everyone's).
    public var twinAuthor: String?
    /// How the training consumer builds datasets, trains and promotes.
    public var training = TrainingSettings()
    /// How the feature consumer chunks documents and what it embeds.
    public var chunking = ChunkingScheme.current
    /// Which retrieval steps the inference consumer runs.
    public var retrieval = RetrievalOptions()
    /// How the inference consumer builds answer prompts (the context's token budget).
    public var answerPrompt = AnswerPrompt()
    /// How the inference consumer grounds answers in their sources (evidence, support, abstention).
    public var grounding = Grounding()

    /// `indexSnapshot` defaults to `.twinlog/index/<chunk topic>.hnsw` under the working directory.
    public init(config: TwinlogConfiguration, models: ModelStore = ModelStore(), indexSnapshot: URL? = nil) {
        self.config = config
        self.models = models
        self.indexSnapshot = indexSnapshot ?? URL(fileURLWithPath: ".twinlog/index/\(config.topics.chunks).hnsw")
    }

    public var kafka: KafkaConfiguration { config.kafka }
    public var topics: TopicCatalogue { config.topics }
    public var database: PostgresConnection.Options { config.database }

    /// The consumer group of a consumer. Group ids carry the topic prefix, so deployments (and
    /// tests) sharing a cluster never share a group.
    public func groupId(_ consumer: String) -> String { topics.prefix + "twinlog." + consumer }

    /// Fetch and membership options of a group-member consumer.
    public func consumerOptions(_ consumer: String) -> KafkaConsumer.Options {
        var options = KafkaConsumer.Options(groupId: groupId(consumer))
        options.sessionTimeout = .milliseconds(Int(config.sessionTimeout * 1000))
        return options
    }

    /// The CDC relay's logical replication slot: one per warehouse schema, so deployments sharing
    /// a database stay apart.
    public var replicationSlot: String { config.databaseSchema.map { "twinlog_cdc_" + $0.lowercased() } ?? "twinlog_cdc" }

    /// The publication the CDC relay streams: one per warehouse schema.
    public var publication: String { config.databaseSchema.map { "twinlog_" + $0.lowercased() } ?? "twinlog_warehouse" }
}
