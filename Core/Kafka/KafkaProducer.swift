import CRdKafka
import Foundation
import Synchronization
import TwinlogRuntime

/// An asynchronous, idempotent Kafka producer over librdkafka: acks=all, idempotence on, zstd
/// compression. `send` returns once the broker acknowledged the record(s), so a caller can tie an
/// effect (such as confirming a WAL position) to durable delivery.
///
/// librdkafka's producer is thread-safe and enqueuing never blocks here (a full local queue is
/// retried after a short sleep); delivery reports are served by a dedicated poll thread.
public final class KafkaProducer: Sendable {
    /// Producer tuning with safe defaults.
    public struct Options: Sendable {
        /// `linger.ms`: how long to wait to fill a batch.
        public var lingerMilliseconds: Int = 5
        /// `compression.codec`.
        public var compression: String = "zstd"
        /// `delivery.timeout.ms`: how long a record may take to be acknowledged before it fails.
        public var deliveryTimeout: Duration = .seconds(30)
        /// `message.max.bytes`: the largest record (a 5 MB document fits; the topic must allow it too).
        public var maxMessageBytes = 16 << 20
        /// Extra librdkafka producer properties, applied last.
        public var properties: [String: String] = [:]
        public init() {}
    }

    private let handle: Handle
    private let poller: PollThread
    private let closed = Atomic<Bool>(false)
    /// Set once `shutdown` destroyed the handle; the deinitializer then has nothing left to do.
    private let destroyed = Atomic<Bool>(false)
    private let flushExecutor = BlockingExecutor(label: "twinlog.kafka.producer.flush")
    public let configuration: KafkaConfiguration

    public init(configuration: KafkaConfiguration, options: Options = Options()) throws(KafkaError) {
        self.configuration = configuration
        let (seconds, attoseconds) = options.deliveryTimeout.components
        var properties = configuration.baseProperties
        properties += [
            ("enable.idempotence", "true"), ("acks", "all"),
            ("compression.codec", options.compression),
            ("linger.ms", String(options.lingerMilliseconds)),
            ("message.max.bytes", String(options.maxMessageBytes)),
            ("message.timeout.ms", String(seconds * 1000 + attoseconds / 1_000_000_000_000_000)),
        ]
        properties += configuration.properties.sorted { $0.key < $1.key }
        properties += options.properties.sorted { $0.key < $1.key }
        let conf = try makeConf(properties)
        rd_kafka_conf_set_dr_msg_cb(conf, deliveryReportCallback)
        let handle = try makeHandle(RD_KAFKA_PRODUCER, conf: conf, properties: properties)
        self.handle = handle
        poller = PollThread(name: "twinlog.kafka.producer.poll") {
            rd_kafka_poll(handle.pointer, 100)
        }
    }

    deinit {
        guard !destroyed.load(ordering: .acquiring) else { return }
        // Stopping the poll thread and destroying the handle block: do it off the releasing thread.
        let handle = self.handle
        let poller = self.poller
        let purge = !closed.load(ordering: .acquiring)
        flushExecutor.submit {
            poller.stop()
            if purge {
                rd_kafka_purge(handle.pointer, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
                rd_kafka_poll(handle.pointer, 0)
            }
            rd_kafka_destroy(handle.pointer)
        }
    }

    /// Sends one record and waits for the broker's acknowledgement.
    @discardableResult
    public func send(_ record: OutgoingRecord) async throws -> DeliveryReport {
        try await send([record])[0]
    }

    /// Enqueues all records, then waits until every one was acknowledged. Throws the first failure
    /// (after all reports arrived, so no report is left dangling); reports are in input order.
    @discardableResult
    public func send(_ records: [OutgoingRecord]) async throws -> [DeliveryReport] {
        try await enqueue(records).delivered()
    }

    /// Enqueues `records` in order and returns once they are in librdkafka's queue, without waiting
    /// for acknowledgements: successive calls keep their order, so a caller can pipeline batches and
    /// act on each one's `delivered()` later (the CDC relay confirms WAL positions this way).
    public func enqueue(_ records: [OutgoingRecord]) async throws -> PendingDelivery {
        guard !closed.load(ordering: .acquiring) else { throw KafkaError.client("the producer is shut down") }
        let batch = DeliveryBatch(count: records.count)
        for (index, record) in records.enumerated() {
            let slot = Unmanaged.passRetained(DeliverySlot(batch: batch, index: index))
            while true {
                let err = produce(record, opaque: slot.toOpaque())
                if err == RD_KAFKA_RESP_ERR_NO_ERROR { break }
                if err == RD_KAFKA_RESP_ERR__QUEUE_FULL, !closed.load(ordering: .acquiring) {
                    // The local queue is full: wait for deliveries to drain it, never block a thread.
                    try? await Task.sleep(for: .milliseconds(2))
                    continue
                }
                slot.release()
                batch.fail(index: index, KafkaError(err, "produce to \(record.topic)"))
                break
            }
        }
        return PendingDelivery(batch: batch)
    }

    /// Waits until every enqueued record was delivered or failed, up to `timeout`.
    public func flush(timeout: Duration = .seconds(30)) async throws {
        let milliseconds = Int32(clamping: timeout.components.seconds * 1000)
        let handle = self.handle
        let err = await flushExecutor.run { rd_kafka_flush(handle.pointer, milliseconds) }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(err, "flush: records still undelivered after \(timeout)")
        }
    }

    /// Flushes outstanding records (failing those still undelivered after `timeout`), refuses
    /// further sends, and releases the client before returning, so a process can exit right after.
    /// Call it once the last `send` or `enqueue` returned. Safe to call more than once.
    public func shutdown(timeout: Duration = .seconds(10)) async {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        do { try await flush(timeout: timeout) } catch {
            rd_kafka_purge(handle.pointer, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
        }
        await flushExecutor.run { [self] in
            poller.stop()
            rd_kafka_poll(handle.pointer, 0)
            rd_kafka_destroy(handle.pointer)
            destroyed.store(true, ordering: .releasing)
        }
    }

    /// Enqueues one record with `rd_kafka_produceva` (the variadic `producev` macro does not import).
    private func produce(_ record: OutgoingRecord, opaque: UnsafeMutableRawPointer) -> rd_kafka_resp_err_t {
        let headers: OpaquePointer? = record.headers.isEmpty ? nil : rd_kafka_headers_new(record.headers.count)
        for header in record.headers {
            if let value = header.value {
                value.withUnsafeBytes { _ = rd_kafka_header_add(headers, header.name, -1, $0.baseAddress, $0.count) }
            } else {
                rd_kafka_header_add(headers, header.name, -1, nil, 0)
            }
        }
        let err: rd_kafka_resp_err_t = record.topic.withCString { topic in
            withOptionalBytes(record.key) { key in
                withOptionalBytes(record.value) { value in
                    var vus = [rd_kafka_vu_t](repeating: rd_kafka_vu_t(), count: 7)
                    vus[0].vtype = RD_KAFKA_VTYPE_TOPIC
                    vus[0].u.cstr = topic
                    vus[1].vtype = RD_KAFKA_VTYPE_KEY
                    vus[1].u.mem.ptr = UnsafeMutableRawPointer(mutating: key.baseAddress)
                    vus[1].u.mem.size = key.baseAddress == nil ? 0 : key.count
                    vus[2].vtype = RD_KAFKA_VTYPE_VALUE
                    vus[2].u.mem.ptr = UnsafeMutableRawPointer(mutating: value.baseAddress)
                    vus[2].u.mem.size = value.baseAddress == nil ? 0 : value.count
                    vus[3].vtype = RD_KAFKA_VTYPE_MSGFLAGS
                    vus[3].u.i = RD_KAFKA_MSG_F_COPY
                    vus[4].vtype = RD_KAFKA_VTYPE_OPAQUE
                    vus[4].u.ptr = opaque
                    var count = 5
                    if let partition = record.partition {
                        vus[count].vtype = RD_KAFKA_VTYPE_PARTITION
                        vus[count].u.i32 = partition
                        count += 1
                    }
                    if let headers {
                        vus[count].vtype = RD_KAFKA_VTYPE_HEADERS
                        vus[count].u.headers = headers
                        count += 1
                    }
                    guard let error = rd_kafka_produceva(handle.pointer, vus, count) else { return RD_KAFKA_RESP_ERR_NO_ERROR }
                    let code = rd_kafka_error_code(error)
                    rd_kafka_error_destroy(error)
                    return code
                }
            }
        }
        // On success librdkafka owns the headers; on failure they are still ours.
        if err != RD_KAFKA_RESP_ERR_NO_ERROR, let headers { rd_kafka_headers_destroy(headers) }
        return err
    }
}

/// Calls `body` with the bytes of `bytes`, or with an empty buffer whose base address is nil.
private func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer) -> R) -> R {
    guard let bytes else { return body(UnsafeRawBufferPointer(start: nil, count: 0)) }
    return bytes.withUnsafeBytes(body)
}

/// Records enqueued together whose acknowledgements may still be arriving.
public struct PendingDelivery: Sendable {
    fileprivate let batch: DeliveryBatch

    /// Whether every record was acknowledged or failed.
    public var isComplete: Bool { batch.isComplete }

    /// Waits for every acknowledgement; throws the first failure. Reports are in input order.
    @discardableResult
    public func delivered() async throws -> [DeliveryReport] { try await batch.wait() }
}

/// Collects the delivery reports of records enqueued together; completes when all arrived.
private final class DeliveryBatch: Sendable {
    private struct State {
        var remaining: Int
        var reports: [DeliveryReport?]
        var firstError: KafkaError?
        var result: Result<[DeliveryReport], any Error>?
        var waiters: [CheckedContinuation<[DeliveryReport], any Error>] = []
    }
    private let state: Mutex<State>

    init(count: Int) {
        state = Mutex(State(remaining: count, reports: Array(repeating: nil, count: count),
                            result: count == 0 ? .success([]) : nil))
    }

    var isComplete: Bool { state.withLock { $0.result != nil } }

    func wait() async throws -> [DeliveryReport] {
        try await withCheckedThrowingContinuation { continuation in
            let ready = state.withLock { state -> Result<[DeliveryReport], any Error>? in
                if let result = state.result { return result }
                state.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }

    func deliver(index: Int, _ report: DeliveryReport) { complete(index: index, report: report, error: nil) }

    func fail(index: Int, _ error: KafkaError) { complete(index: index, report: nil, error: error) }

    private func complete(index: Int, report: DeliveryReport?, error: KafkaError?) {
        let finished: ([CheckedContinuation<[DeliveryReport], any Error>], Result<[DeliveryReport], any Error>)? = state.withLock { state in
            state.reports[index] = report
            if let error, state.firstError == nil { state.firstError = error }
            state.remaining -= 1
            guard state.remaining == 0 else { return nil }
            let result: Result<[DeliveryReport], any Error> = if let error = state.firstError { .failure(error) } else { .success(state.reports.map { $0! }) }
            state.result = result
            defer { state.waiters.removeAll() }
            return (state.waiters, result)
        }
        if let (waiters, result) = finished { waiters.forEach { $0.resume(with: result) } }
    }
}

/// The per-record opaque pointer handed to librdkafka: which batch and which position.
private final class DeliverySlot {
    let batch: DeliveryBatch
    let index: Int
    init(batch: DeliveryBatch, index: Int) {
        self.batch = batch
        self.index = index
    }
}

/// librdkafka's delivery report callback, called on the poll thread once per record.
private let deliveryReportCallback: @convention(c) (
    OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?
) -> Void = { _, message, _ in
    guard let message, let opaque = message.pointee._private else { return }
    let slot = Unmanaged<DeliverySlot>.fromOpaque(opaque).takeRetainedValue()
    let topic = String(cString: rd_kafka_topic_name(message.pointee.rkt))
    if message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR {
        slot.batch.deliver(index: slot.index, DeliveryReport(topic: topic, partition: message.pointee.partition,
                                                             offset: message.pointee.offset))
    } else {
        slot.batch.fail(index: slot.index, KafkaError(message.pointee.err, "delivery to \(topic)"))
    }
}
