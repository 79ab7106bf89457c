import Logging
import TwinlogEvents
import TwinlogKafka
import TwinlogMetrics

/// What every consumer on `ConsumerRuntime` is configured with: the broker, the topic catalogue
/// and its group and fetch tuning, beside the runtime's own settings (`runtime`: batch size, poll
/// timeout, lag interval, metrics, logger, dead-letter topic).
///
/// A consumer's own `Configuration` holds one (`common`) beside its particular settings and
/// exposes the fields of both as its own through dynamic member lookup, so `configuration.maxBatch`
/// and `configuration.consumer.sessionTimeout` read and write here.
public struct ConsumerSettings: Sendable {
    public var kafka: KafkaConfiguration
    /// The topic names; the dead-letter topic in `runtime` is derived from them.
    public let topics: TopicCatalogue
    /// Group membership and fetch tuning. Consumers that read by assignment use the group id only
    /// to name the client.
    public var consumer: KafkaConsumer.Options
    /// How the runtime runs the consumer, whatever its records come from.
    public var runtime: ConsumerRuntimeConfiguration
    /// The consumer's name: its dead-letter topic (`twin.dlq.<name>`), the label of its metrics
    /// and the default of its group id (`twinlog.<name>`) and logger label.
    public var name: String { runtime.name }

    public init(name: String, kafka: KafkaConfiguration, topics: TopicCatalogue, groupId: String? = nil, maxBatch: Int,
                pollTimeout: Duration = .milliseconds(200)) {
        self.kafka = kafka
        self.topics = topics
        consumer = KafkaConsumer.Options(groupId: groupId ?? "twinlog." + name)
        runtime = ConsumerRuntimeConfiguration(name: name, deadLetterTopic: topics.deadLetter(consumer: name), maxBatch: maxBatch,
                                               metrics: TwinlogMetrics.factory, logger: Logger(label: "twinlog." + name))
        runtime.pollTimeout = pollTimeout
    }
}

/// A consumer configuration that holds the shared `ConsumerSettings` and reads their fields, and
/// those of their `runtime`, as its own (`configuration.consumer`, `configuration.maxBatch`).
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

    public subscript<Value>(dynamicMember path: WritableKeyPath<ConsumerRuntimeConfiguration, Value>) -> Value {
        get { common.runtime[keyPath: path] }
        set { common.runtime[keyPath: path] = newValue }
    }
}
