import Synchronization
import TwinlogKafka
import TwinlogSink

/// One partition of a topic in memory, and a dead-letter topic: a test appends records, a
/// `ConsumerRuntime` reads them and sends its dead letters here, without a broker. For testing a
/// handler or the runtime's own rules; anything about Kafka itself is tested against the broker.
public final class InMemoryLog: RecordSource, RecordSink {
    private struct State {
        var records: [KafkaRecord] = []
        var position = 0
        var paused = false
        var committed: [TopicPartition: Int64] = [:]
        var delivered: [OutgoingRecord] = []
    }

    public let topic: String
    private let state = Mutex(State())

    public init(topic: String) { self.topic = topic }

    /// Appends records with these values to partition 0, at the next offsets.
    public func append(_ values: [String]) {
        state.withLock { state in
            for value in values {
                let offset = Int64(state.records.count)
                state.records.append(KafkaRecord(topic: topic, partition: 0, offset: offset, key: Array(value.utf8), value: Array(value.utf8),
                                                 headers: [], timestampMilliseconds: nil))
            }
        }
    }

    /// The dead letters delivered so far, in order.
    public var delivered: [OutgoingRecord] { state.withLock { $0.delivered } }
    /// The offsets committed to the "group" so far.
    public var committed: [TopicPartition: Int64] { state.withLock { $0.committed } }

    public func poll(maxRecords: Int, timeout: Duration) async throws -> [KafkaRecord] {
        let batch = state.withLock { state -> [KafkaRecord] in
            guard !state.paused else { return [] }
            let end = min(state.records.count, state.position + maxRecords)
            defer { state.position = end }
            return Array(state.records[state.position..<end])
        }
        if batch.isEmpty { try await Task.sleep(for: min(timeout, .milliseconds(10))) }
        return batch
    }

    public func commit(_ offsets: [TopicPartition: Int64]) async throws {
        state.withLock { state in state.committed.merge(offsets) { max($0, $1) } }
    }

    public func pause() async throws { state.withLock { $0.paused = true } }
    public func resume() async throws { state.withLock { $0.paused = false } }

    public func endOffsets() async throws -> [TopicPartition: Int64] {
        state.withLock { [TopicPartition(topic, 0): Int64($0.records.count)] }
    }

    public func close() async {}

    public func deliver(_ records: [OutgoingRecord]) async throws {
        state.withLock { $0.delivered += records }
    }
}
