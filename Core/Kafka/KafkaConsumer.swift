import CRdKafka
import Foundation
import Logging
import Synchronization
import TwinlogRuntime

/// A consumer-group member over librdkafka with manual offset management.
///
/// - Offsets are never committed automatically: a sink either calls `commit` after its effect, or
///   stores offsets next to its effect (in PostgreSQL, in a snapshot) and supplies them back through
///   `startingOffsets` whenever partitions are assigned — the effectively-once pattern.
/// - Every blocking librdkafka call (poll, commit, seek, close) runs on the consumer's own serial
///   executor, never on Swift's cooperative pool; rebalance callbacks run there too.
/// - `records` is an AsyncSequence with natural back-pressure: it polls only when asked for more.
public final class KafkaConsumer: Sendable {
    /// Where a partition starts when the sink has no stored offset for it.
    public enum Reset: String, Sendable { case earliest, latest }

    /// Group membership and fetch tuning.
    public struct Options: Sendable {
        public var groupId: String
        public var reset: Reset = .earliest
        /// `session.timeout.ms`; a group join takes about half of it on Tansu.
        public var sessionTimeout: Duration = .seconds(10)
        /// `fetch.wait.max.ms`: how long the broker may hold a fetch open waiting for data.
        public var fetchMaxWait: Duration = .milliseconds(100)
        /// Extra librdkafka consumer properties, applied last.
        public var properties: [String: String] = [:]
        public var logger = Logger(label: "twinlog.kafka.consumer")
        public init(groupId: String) { self.groupId = groupId }
    }

    /// Given newly assigned partitions, returns the offset each should start from; partitions left
    /// out start from the group's committed offset (or `Options.reset`). Use `KafkaOffset` specials.
    public typealias OffsetsProvider = @Sendable ([TopicPartition]) async throws -> [TopicPartition: Int64]

    private let handle: Handle
    private let executor = BlockingExecutor(label: "twinlog.kafka.consumer")
    private let rebalance: RebalanceContext
    private let closed = Atomic<Bool>(false)
    /// Set on the executor once the handle is destroyed; every block checks it before using the handle.
    private let destroyed = Atomic<Bool>(false)
    public let options: Options

    /// Joins `options.groupId` and subscribes to `topics`. Fails if the configuration is invalid;
    /// an unreachable cluster surfaces on the first `poll` as retriable errors in the log.
    public convenience init(configuration: KafkaConfiguration, options: Options, topics: [String],
                            startingOffsets: OffsetsProvider? = nil) throws(KafkaError) {
        guard !topics.isEmpty else { throw .client("a consumer needs at least one topic") }
        try self.init(configuration: configuration, options: options, provider: startingOffsets) { handle throws(KafkaError) in
            let list = makePartitionList(topics.map { (TopicPartition($0, RD_KAFKA_PARTITION_UA), nil) })
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let err = rd_kafka_subscribe(handle, list)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, "subscribe to \(topics.joined(separator: ", "))") }
        }
    }

    /// Reads exactly `partitions` from the given offsets, outside any group rebalancing: for a view
    /// that every instance holds in full (an index replica reads every partition of the chunk
    /// topic) and for tools. `options.groupId` only names the client; nothing is committed unless
    /// `commit` is called.
    public convenience init(configuration: KafkaConfiguration, options: Options,
                            assign partitions: [TopicPartition: Int64]) throws(KafkaError) {
        guard !partitions.isEmpty else { throw .client("a consumer needs at least one partition") }
        try self.init(configuration: configuration, options: options, provider: nil) { handle throws(KafkaError) in
            let list = makePartitionList(partitions.sorted { $0.key < $1.key }.map { ($0.key, Optional($0.value)) })
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let err = rd_kafka_assign(handle, list)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, "assign \(partitions.keys.sorted())") }
        }
    }

    private init(configuration: KafkaConfiguration, options: Options, provider: OffsetsProvider?,
                 attach: (OpaquePointer) throws(KafkaError) -> Void) throws(KafkaError) {
        self.options = options
        var properties = configuration.baseProperties
        properties += [
            ("group.id", options.groupId), ("enable.auto.commit", "false"),
            ("enable.auto.offset.store", "false"), ("auto.offset.reset", options.reset.rawValue),
            ("session.timeout.ms", String(milliseconds(options.sessionTimeout))),
            ("heartbeat.interval.ms", String(max(100, milliseconds(options.sessionTimeout) / 4))),
            ("fetch.wait.max.ms", String(milliseconds(options.fetchMaxWait))),
            ("isolation.level", "read_uncommitted"),
        ]
        properties += configuration.properties.sorted { $0.key < $1.key }
        properties += options.properties.sorted { $0.key < $1.key }
        let conf = try makeConf(properties)
        let rebalance = RebalanceContext(provider: provider, logger: options.logger)
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(rebalance).toOpaque())
        rd_kafka_conf_set_rebalance_cb(conf, rebalanceCallback)
        let handle = try makeHandle(RD_KAFKA_CONSUMER, conf: conf, properties: properties)
        rd_kafka_poll_set_consumer(handle.pointer)
        do { try attach(handle.pointer) } catch {
            rd_kafka_destroy(handle.pointer)
            throw error
        }
        self.handle = handle
        self.rebalance = rebalance
    }

    deinit {
        // Closing and destroying block (group leave, thread joins): do it on the consumer's own
        // executor, after any poll in flight, never on the thread that dropped the last reference.
        guard !destroyed.load(ordering: .acquiring) else { return }
        let handle = self.handle
        let needsClose = !closed.load(ordering: .acquiring)
        let rebalance = self.rebalance
        executor.submit {
            if needsClose { _ = rd_kafka_consumer_close(handle.pointer) }
            rd_kafka_destroy(handle.pointer)
            _ = rebalance
        }
    }

    /// Waits up to `timeout` for the first record, then takes whatever else is ready, up to
    /// `maxRecords`. Returns an empty array when nothing arrived. Rebalances happen inside polls.
    public func poll(maxRecords: Int = 500, timeout: Duration = .milliseconds(100)) async throws -> [KafkaRecord] {
        guard !closed.load(ordering: .acquiring) else { throw KafkaError.client("the consumer is closed") }
        let handle = self.handle
        let firstWait = Int32(milliseconds(timeout))
        let logger = options.logger
        return try await executor.run { [self] in
            try checkOpen()
            var records: [KafkaRecord] = []
            records.reserveCapacity(min(maxRecords, 1024))
            var topicNames: [OpaquePointer: String] = [:]
            // The first record (and any rebalance) comes from consumer_poll, which may wait; the
            // rest of what is already fetched is drained in bulk without waiting.
            guard let first = rd_kafka_consumer_poll(handle.pointer, firstWait) else { return records }
            try Self.take(first, into: &records, names: &topicNames, handle: handle, logger: logger)
            guard maxRecords > 1, let queue = rd_kafka_queue_get_consumer(handle.pointer) else { return records }
            defer { rd_kafka_queue_destroy(queue) }
            var batch = [UnsafeMutablePointer<rd_kafka_message_t>?](repeating: nil, count: maxRecords - 1)
            let count = rd_kafka_consume_batch_queue(queue, 0, &batch, batch.count)
            for i in 0..<max(0, count) {
                try Self.take(batch[i]!, into: &records, names: &topicNames, handle: handle, logger: logger)
            }
            return records
        }
    }

    /// Converts one message into a record (or logs / throws its error) and destroys it.
    private static func take(_ message: UnsafeMutablePointer<rd_kafka_message_t>, into records: inout [KafkaRecord],
                             names: inout [OpaquePointer: String], handle: Handle, logger: Logger) throws {
        defer { rd_kafka_message_destroy(message) }
        let err = message.pointee.err
        if err == RD_KAFKA_RESP_ERR_NO_ERROR {
            let topic: String
            if let rkt = message.pointee.rkt, let known = names[rkt] { topic = known } else {
                topic = String(cString: rd_kafka_topic_name(message.pointee.rkt))
                if let rkt = message.pointee.rkt { names[rkt] = topic }
            }
            records.append(KafkaRecord(message, topic: topic))
            return
        }
        if err == RD_KAFKA_RESP_ERR__PARTITION_EOF { return }
        var errstr = [CChar](repeating: 0, count: 512)
        let fatal = rd_kafka_fatal_error(handle.pointer, &errstr, errstr.count)
        if fatal != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(code: fatal.rawValue, message: cString(errstr), isRetriable: false, isFatal: true)
        }
        logger.warning("consumer error: \(String(cString: rd_kafka_err2str(err)))",
                       metadata: ["code": "\(KafkaError.name(of: err.rawValue))"])
    }

    /// The records of the subscribed topics, one at a time, fetched in batches; ends when the task
    /// is cancelled or the consumer closed.
    public var records: Records { Records(consumer: self) }

    /// Commits, for each partition, the offset of the next record to read (last processed + 1).
    public func commit(_ offsets: [TopicPartition: Int64]) async throws {
        guard !offsets.isEmpty else { return }
        let handle = self.handle
        let entries = offsets.sorted { $0.key < $1.key }.map { ($0.key, Optional($0.value)) }
        try await executor.run { [self] in
            try checkOpen()
            let list = makePartitionList(entries)
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let err = rd_kafka_commit(handle.pointer, list, 0)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, "commit offsets") }
        }
    }

    /// Commits the position after each record's partition's last record in `records`.
    public func commit(after records: [KafkaRecord]) async throws {
        try await commit(Self.nextOffsets(after: records))
    }

    /// For each partition in `records`, the offset after its last record.
    public static func nextOffsets(after records: [KafkaRecord]) -> [TopicPartition: Int64] {
        var next: [TopicPartition: Int64] = [:]
        for record in records { next[record.topicPartition] = max(next[record.topicPartition] ?? 0, record.offset + 1) }
        return next
    }

    /// The partitions currently assigned to this member.
    public func assignment() async throws -> [TopicPartition] {
        let handle = self.handle
        return try await executor.run { [self] in
            try checkOpen()
            var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
            let err = rd_kafka_assignment(handle.pointer, &list)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { throw KafkaError(err, "read assignment") }
            defer { rd_kafka_topic_partition_list_destroy(list) }
            return readPartitionList(list).map(\.0).sorted()
        }
    }

    /// Moves assigned partitions to the given offsets (`KafkaOffset.beginning` to replay).
    public func seek(_ offsets: [TopicPartition: Int64], timeout: Duration = .seconds(10)) async throws {
        let handle = self.handle
        let entries = offsets.sorted { $0.key < $1.key }.map { ($0.key, Optional($0.value)) }
        let wait = Int32(milliseconds(timeout))
        try await executor.run { [self] in
            try checkOpen()
            let list = makePartitionList(entries)
            defer { rd_kafka_topic_partition_list_destroy(list) }
            if let error = rd_kafka_seek_partitions(handle.pointer, list, wait) {
                let code = rd_kafka_error_code(error)
                rd_kafka_error_destroy(error)
                throw KafkaError(code, "seek")
            }
            for (tp, _, err) in readPartitionList(list) where err != RD_KAFKA_RESP_ERR_NO_ERROR {
                throw KafkaError(err, "seek \(tp)")
            }
        }
    }

    /// Stops fetching from `partitions` (assignment is kept) until `resume`.
    public func pause(_ partitions: [TopicPartition]) async throws {
        try await setPaused(partitions, paused: true)
    }

    /// Resumes fetching from paused `partitions`.
    public func resume(_ partitions: [TopicPartition]) async throws {
        try await setPaused(partitions, paused: false)
    }

    /// Leaves the group cleanly (partitions are handed over at once instead of after the session
    /// timeout). Safe to call more than once.
    public func close() async {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        await executor.run { [self] in
            _ = rd_kafka_consumer_close(handle.pointer)
            rd_kafka_destroy(handle.pointer)
            destroyed.store(true, ordering: .releasing)
        }
    }

    /// Throws when the consumer was closed; call first inside every executor block.
    private func checkOpen() throws {
        if destroyed.load(ordering: .acquiring) { throw KafkaError.client("the consumer is closed") }
    }

    private func setPaused(_ partitions: [TopicPartition], paused: Bool) async throws {
        let handle = self.handle
        let entries = partitions.map { ($0, Int64?.none) }
        try await executor.run { [self] in
            try checkOpen()
            let list = makePartitionList(entries)
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let err = paused ? rd_kafka_pause_partitions(handle.pointer, list) : rd_kafka_resume_partitions(handle.pointer, list)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, paused ? "pause" : "resume") }
        }
    }

    /// An AsyncSequence over a consumer's records.
    public struct Records: AsyncSequence, Sendable {
        public typealias Element = KafkaRecord
        let consumer: KafkaConsumer

        public func makeAsyncIterator() -> Iterator { Iterator(consumer: consumer) }

        /// Buffers one polled batch at a time.
        public struct Iterator: AsyncIteratorProtocol {
            let consumer: KafkaConsumer
            var buffer: [KafkaRecord] = []
            var position = 0

            public mutating func next() async throws -> KafkaRecord? {
                while position == buffer.count {
                    if Task.isCancelled || consumer.closed.load(ordering: .acquiring) { return nil }
                    buffer = try await consumer.poll()
                    position = 0
                }
                defer { position += 1 }
                return buffer[position]
            }
        }
    }
}

func milliseconds(_ duration: Duration) -> Int {
    let (seconds, attoseconds) = duration.components
    return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
}

extension KafkaRecord {
    init(_ message: UnsafeMutablePointer<rd_kafka_message_t>, topic: String) {
        let m = message.pointee
        func bytes(_ pointer: UnsafeRawPointer?, _ count: Int) -> [UInt8]? {
            guard let pointer else { return nil }
            return Array(UnsafeRawBufferPointer(start: pointer, count: count))
        }
        var headers: [KafkaHeader] = []
        var list: OpaquePointer?
        if rd_kafka_message_headers(message, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list {
            var index = 0
            var name: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(list, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                headers.append(KafkaHeader(name.map { String(cString: $0) } ?? "", bytes(value, size)))
                index += 1
            }
        }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &timestampType)
        self.init(topic: topic, partition: m.partition, offset: m.offset,
                  key: bytes(m.key, m.key_len), value: bytes(m.payload, m.len), headers: headers,
                  timestampMilliseconds: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp)
    }
}

/// What the rebalance callback needs: the sink's offset provider and a logger.
private final class RebalanceContext: Sendable {
    let provider: KafkaConsumer.OffsetsProvider?
    let logger: Logger
    init(provider: KafkaConsumer.OffsetsProvider?, logger: Logger) {
        self.provider = provider
        self.logger = logger
    }

    /// Runs the async provider from the consumer's executor thread (never the cooperative pool),
    /// blocking that thread until it answers: no record is fetched before the sink's offsets apply.
    func startingOffsets(for partitions: [TopicPartition]) -> [TopicPartition: Int64]? {
        guard let provider else { return [:] }
        let answer = Mutex<Result<[TopicPartition: Int64], any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            let result: Result<[TopicPartition: Int64], any Error>
            do { result = .success(try await provider(partitions)) } catch { result = .failure(error) }
            answer.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        switch answer.withLock({ $0 })! {
        case .success(let offsets): return offsets
        case .failure(let error):
            logger.error("offset provider failed; partitions stay unassigned until the next rebalance",
                         metadata: ["error": "\(error)"])
            return nil
        }
    }
}

/// librdkafka's rebalance callback (eager protocol), called inside `rd_kafka_consumer_poll`.
private let rebalanceCallback: @convention(c) (
    OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, UnsafeMutableRawPointer?
) -> Void = { handle, err, partitions, opaque in
    guard let handle, let partitions, let opaque else { return }
    let context = Unmanaged<RebalanceContext>.fromOpaque(opaque).takeUnretainedValue()
    switch err {
    case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
        let assigned = readPartitionList(partitions).map(\.0)
        guard let offsets = context.startingOffsets(for: assigned) else {
            rd_kafka_assign(handle, nil)
            return
        }
        for i in 0..<Int(partitions.pointee.cnt) {
            let tp = TopicPartition(String(cString: partitions.pointee.elems[i].topic), partitions.pointee.elems[i].partition)
            if let offset = offsets[tp] { partitions.pointee.elems[i].offset = offset == KafkaOffset.stored ? Int64(RD_KAFKA_OFFSET_INVALID) : offset }
        }
        context.logger.debug("assigned \(assigned.map(\.description).joined(separator: ", "))")
        rd_kafka_assign(handle, partitions)
    default:
        context.logger.debug("revoked \(readPartitionList(partitions).map(\.0.description).joined(separator: ", "))")
        rd_kafka_assign(handle, nil)
    }
}
