import Logging
import Metrics
import TwinlogEvents
import TwinlogKafka
import TwinlogMetrics

/// What every consumer on `ConsumerRuntime` is configured with: the broker, the topic catalogue,
/// its group and fetch tuning, its batch size, and how it is observed.
///
/// A consumer's own `Configuration` holds one (`common`) beside its particular settings and
/// exposes these fields as its own through dynamic member lookup, so `configuration.maxBatch`
/// and `configuration.consumer.sessionTimeout` read and write here.
public struct ConsumerSettings: Sendable {
    /// The consumer's name: its dead-letter topic (`twin.dlq.<name>`), the label of its metrics
    /// and the default of its group id (`twinlog.<name>`) and logger label.
    public let name: String
    public var kafka: KafkaConfiguration
    public var topics: TopicCatalogue
    /// Group membership and fetch tuning. Consumers that read by assignment use the group id only
    /// to name the client.
    public var consumer: KafkaConsumer.Options
    /// The most records per batch.
    public var maxBatch: Int
    /// How long one poll waits for records.
    public var pollTimeout: Duration
    /// How often the consumer lag gauge is refreshed.
    public var lagInterval: Duration = .seconds(5)
    public var metrics: any MetricsFactory = TwinlogMetrics.factory
    public var logger: Logger

    public init(name: String, kafka: KafkaConfiguration, topics: TopicCatalogue, groupId: String? = nil, maxBatch: Int,
                pollTimeout: Duration = .milliseconds(200)) {
        self.name = name
        self.kafka = kafka
        self.topics = topics
        consumer = KafkaConsumer.Options(groupId: groupId ?? "twinlog." + name)
        self.maxBatch = maxBatch
        self.pollTimeout = pollTimeout
        logger = Logger(label: "twinlog." + name)
    }

    /// How the runtime runs this consumer, with its offsets kept in `offsets`.
    public func runtime(offsets: OffsetHome = .handler) -> ConsumerRuntimeConfiguration {
        var configuration = ConsumerRuntimeConfiguration(name: name, deadLetterTopic: topics.deadLetter(consumer: name),
                                                         maxBatch: maxBatch, metrics: metrics, logger: logger)
        configuration.offsets = offsets
        configuration.pollTimeout = pollTimeout
        configuration.lagInterval = lagInterval
        return configuration
    }
}

/// A consumer configuration that holds the shared `ConsumerSettings` and reads their fields as
/// its own (`configuration.maxBatch`, `configuration.logger`).
@dynamicMemberLookup
public protocol ConsumerConfiguration: Sendable {
    var common: ConsumerSettings { get set }
}

extension ConsumerConfiguration {
    public subscript<Value>(dynamicMember path: WritableKeyPath<ConsumerSettings, Value>) -> Value {
        get { common[keyPath: path] }
        set { common[keyPath: path] = newValue }
    }

    public subscript<Value>(dynamicMember path: KeyPath<ConsumerSettings, Value>) -> Value {
        common[keyPath: path]
    }
}
