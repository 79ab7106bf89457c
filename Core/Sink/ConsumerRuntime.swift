import Logging
import Metrics
import ServiceLifecycle
import Synchronization
import TwinlogKafka
import TwinlogPostgres

/// The effects a consumer counts in one batch (versions written, chunks embedded, …). The
/// runtime merges the parts of a batch it had to split to find a poison record.
public protocol ConsumerOutcome: Sendable {
    init()
    /// Adds the effects counted by another part of the same batch.
    mutating func merge(_ other: Self)
}

/// The outcome of a consumer that counts no effects of its own.
public struct NoEffects: ConsumerOutcome, Equatable {
    public init() {}
    public mutating func merge(_ other: NoEffects) {}
}

/// What one step of the runtime did: the records it polled, the records it dead-lettered (at
/// decode, at apply, or by the handler), and the effects the handler counted, whose fields read
/// as the step's own (`step.versionsWritten`).
@dynamicMemberLookup
public struct ConsumerStep<Effects: ConsumerOutcome>: Sendable {
    /// Records polled.
    public var records = 0
    /// Records sent to the dead-letter topic.
    public var deadLettered = 0
    public var effects = Effects()

    public init() {}

    public subscript<Value>(dynamicMember path: KeyPath<Effects, Value>) -> Value { effects[keyPath: path] }

    /// Adds another step's counts (a replay sums its steps this way).
    public mutating func merge(_ other: ConsumerStep) {
        records += other.records
        deadLettered += other.deadLettered
        effects.merge(other.effects)
    }
}

extension ConsumerStep: Equatable where Effects: Equatable {}

/// The inputs of one batch, in log order, and the offsets to store with their effects.
public struct ConsumerBatch<Input: Sendable>: Sendable {
    /// Each decoded input with the record it came from.
    public let inputs: [(record: KafkaRecord, input: Input)]
    /// The next offset to read per partition once these effects are stored: every record of the
    /// batch up to the last input, including records that were dead-lettered or of no concern.
    public let nextOffsets: [TopicPartition: Int64]
    fileprivate let rejections: Rejections

    /// Dead-letters `record`, whose failure the handler found while applying it (an answer that
    /// could not be delivered), and counts it. Call it before the offsets are stored.
    public func deadLetter(_ record: KafkaRecord, reason: String) async throws {
        try await rejections.send(record, reason)
        rejections.count.withLock { $0 += 1 }
    }
}

/// How a batch's handler dead-letters records, and how many it did.
private final class Rejections: Sendable {
    let send: @Sendable (KafkaRecord, String) async throws -> Void
    let count = Mutex(0)

    init(send: @escaping @Sendable (KafkaRecord, String) async throws -> Void) { self.send = send }
}

/// What a consumer supplies to `ConsumerRuntime`: how a record becomes an input and how a batch
/// of inputs becomes effects. Everything else (polling, offsets on assignment, dead letters,
/// metrics, shutdown) is the runtime's.
public protocol ConsumerHandler: Sendable {
    associatedtype Input: Sendable
    associatedtype Outcome: ConsumerOutcome

    /// The input a record asks for, or nil for a record of no concern (its offset still advances).
    /// A throw dead-letters the record with the error as its reason.
    func decode(_ record: KafkaRecord) throws -> Input?

    /// Applies the inputs in order and stores `batch.nextOffsets` atomically with their effects
    /// (in the same PostgreSQL transaction, or in the same snapshot position), so that after a
    /// crash the batch is either wholly applied or read again. The batch may hold no input at all:
    /// then only the offsets are stored. Effects must be keyed upserts and deletes: a batch the
    /// runtime splits after a failure is applied again in parts.
    func apply(_ batch: ConsumerBatch<Input>) async throws -> Outcome

    /// The next offsets stored with the effects for those of `partitions` that have one: where
    /// reading resumes on assignment, and what the lag is measured against. Not called when the
    /// offsets are committed to Kafka instead.
    func storedOffsets(_ partitions: [TopicPartition]) async throws -> [TopicPartition: Int64]

    /// Whether `error` is the environment's (a lost connection, an unreachable broker), which
    /// must stop the step and be retried, rather than the batch's, which isolates its records.
    func isEnvironmental(_ error: any Error) -> Bool

    /// Releases what the handler holds (its database connection) when the runtime shuts down.
    func close() async
}

extension ConsumerHandler {
    public func isEnvironmental(_ error: any Error) -> Bool { ConsumerRuntimeErrors.isEnvironmental(error) }
    public func close() async {}
}

/// The one classification of errors the runtime uses unless a handler refines it.
public enum ConsumerRuntimeErrors {
    /// Cancellation, a lost PostgreSQL connection, and Kafka errors of the cluster (retriable,
    /// fatal, transport, timeouts, missing topics, refused rights) are the environment's; any
    /// other error was caused by what the batch held.
    public static func isEnvironmental(_ error: any Error) -> Bool {
        switch error {
        case is CancellationError:
            return true
        case let error as PostgresError:
            return error.isConnectionFailure
        case let error as KafkaError:
            return error.isRetriable || error.isFatal || error.isAuthorizationRefusal
                || [KafkaError.transport, KafkaError.allBrokersDown, KafkaError.timedOut, KafkaError.messageTimedOut,
                    KafkaError.queueFull, KafkaError.unknownTopic].contains(error.code)
        default:
            return false
        }
    }
}

/// Where a runtime's records come from: a topic of the broker in every service
/// (`KafkaRecordSource`), records in memory when a test drives a handler without one.
public protocol RecordSource: Sendable {
    /// Up to `maxRecords` records, waiting at most `timeout` for the first.
    func poll(maxRecords: Int, timeout: Duration) async throws -> [KafkaRecord]
    /// Commits the next offsets to the group (for `OffsetHome.kafka`).
    func commit(_ offsets: [TopicPartition: Int64]) async throws
    /// Stops, then restarts, fetching from every assigned partition.
    func pause() async throws
    func resume() async throws
    /// The end offset of every partition read, for the lag gauge.
    func endOffsets() async throws -> [TopicPartition: Int64]
    func close() async
}

/// Where a runtime's dead letters go: the broker's producer, or memory in a test.
public protocol RecordSink: Sendable {
    /// Returns once every record was acknowledged.
    func deliver(_ records: [OutgoingRecord]) async throws
    /// Delivers what is still queued and releases the connection.
    func close() async
}

extension KafkaProducer: RecordSink {
    public func deliver(_ records: [OutgoingRecord]) async throws { _ = try await send(records) }
    public func close() async { await shutdown() }
}

/// A topic's partitions read through the broker: by a group member, with the handler's offsets on
/// every assignment, or by fixed assignment outside any group.
public struct KafkaRecordSource: RecordSource {
    /// Which partitions are read, and from where.
    public enum Subscription: Sendable {
        /// Topics shared with the other members of the group in `options.groupId`. Each assigned
        /// partition starts from `startingOffsets` (the offsets stored with the effects), or from
        /// the group's committed offset when that is nil.
        case group(topics: [String], startingOffsets: KafkaConsumer.OffsetsProvider?)
        /// Fixed partitions and their start offsets (a replica of a topic, the training trigger).
        case assigned([TopicPartition: Int64])
    }

    private let consumer: KafkaConsumer
    private let admin: KafkaAdmin
    private let topics: [String]

    public init(kafka: KafkaConfiguration, options: KafkaConsumer.Options, subscription: Subscription) throws {
        switch subscription {
        case .group(let topics, let startingOffsets):
            self.topics = topics
            consumer = try KafkaConsumer(configuration: kafka, options: options, topics: topics, startingOffsets: startingOffsets)
        case .assigned(let start):
            topics = Array(Set(start.keys.map(\.topic))).sorted()
            consumer = try KafkaConsumer(configuration: kafka, options: options, assign: start)
        }
        admin = try KafkaAdmin(configuration: kafka)
    }

    public func poll(maxRecords: Int, timeout: Duration) async throws -> [KafkaRecord] {
        try await consumer.poll(maxRecords: maxRecords, timeout: timeout)
    }

    public func commit(_ offsets: [TopicPartition: Int64]) async throws { try await consumer.commit(offsets) }
    public func pause() async throws { try await consumer.pause(consumer.assignment()) }
    public func resume() async throws { try await consumer.resume(consumer.assignment()) }

    public func endOffsets() async throws -> [TopicPartition: Int64] {
        var ends: [TopicPartition: Int64] = [:]
        for topic in topics { ends.merge(try await admin.endOffsets(topic: topic)) { $1 } }
        return ends
    }

    public func close() async {
        await consumer.close()
        await admin.close()
    }
}

/// Where the offsets a consumer has applied are kept.
public enum OffsetHome: Sendable {
    /// With the effects, by the handler (`ConsumerBatch.nextOffsets`), and read back through
    /// `storedOffsets`: effectively-once.
    case handler
    /// Committed to the group on the broker after the handler applied the batch: for
    /// consumers whose effects are messages (replies), at-least-once.
    case kafka
}

/// How the runtime runs one consumer, wherever its records come from (a broker's consumers hold
/// it in their `ConsumerSettings`; tests without a broker make it alone).
public struct ConsumerRuntimeConfiguration: Sendable {
    /// The consumer's name: the label of its metrics and the dead-letter reason headers.
    public var name: String
    public var offsets: OffsetHome = .handler
    public var deadLetterTopic: String
    /// The most records per batch.
    public var maxBatch: Int
    public var pollTimeout: Duration = .milliseconds(200)
    /// How often the lag gauge is refreshed.
    public var lagInterval: Duration = .seconds(5)
    public var metrics: any MetricsFactory
    public var logger: Logger

    public init(name: String, deadLetterTopic: String, maxBatch: Int, metrics: any MetricsFactory, logger: Logger) {
        self.name = name
        self.deadLetterTopic = deadLetterTopic
        self.maxBatch = maxBatch
        self.metrics = metrics
        self.logger = logger
    }
}

/// Runs a consumer: its record source and dead-letter sink, the batch loop, offsets
/// restored from where the handler stores them, the poison-pill rule, the dead-letter counter
/// and the lag gauge, pause and resume, and graceful shutdown. Every Twinlog consumer of a topic
/// runs on it, so each guarantee in docs/DESIGN.md is implemented once.
///
/// The poison-pill rule: a record whose decode throws is dead-lettered. A batch whose apply
/// throws an error that is not the environment's is split in halves, each applied on its own,
/// down to the single input that fails; that input's record is dead-lettered and its offset is
/// stored past it. No record can stop or crash-loop the consumer; the batch's other records are
/// applied exactly as they would have been. Dead letters are sent before the offsets that pass
/// their records are stored, so a crash can repeat a dead letter but never lose one.
public final class ConsumerRuntime<Handler: ConsumerHandler>: Sendable {
    /// Where the consumer reads, when it reads the broker.
    public enum Source: Sendable {
        /// Topics shared with the other members of the group in `settings.consumer.groupId`;
        /// each assigned partition starts from the offset the handler stored (or, with
        /// `OffsetHome.kafka`, the group's committed one).
        case group(topics: [String])
        /// Fixed partitions and their start offsets, outside any group (a replica of a topic).
        case assigned([TopicPartition: Int64])
    }

    private let handler: Handler
    private let configuration: ConsumerRuntimeConfiguration
    private let source: any RecordSource
    private let sink: any RecordSink
    private let deadLetters: Counter
    private let recordsRead: Counter
    private let lag: Gauge
    private let closed = Atomic(false)

    /// Reads the broker as `settings` say: joins the group in `settings.consumer` (or takes the
    /// assigned partitions) from the offsets kept in `offsets`, and sends dead letters with
    /// `producer` (the handler's own, when it publishes too), which `shutdown` closes.
    public convenience init(settings: ConsumerSettings, source: Source, offsets: OffsetHome = .handler, handler: Handler,
                            producer: KafkaProducer) throws {
        let subscription: KafkaRecordSource.Subscription
        switch source {
        case .group(let topics) where offsets == .kafka:
            subscription = .group(topics: topics, startingOffsets: nil)
        case .group(let topics):
            subscription = .group(topics: topics) { partitions in try await handler.storedOffsets(partitions) }
        case .assigned(let start):
            subscription = .assigned(start)
        }
        let records = try KafkaRecordSource(kafka: settings.kafka, options: settings.consumer, subscription: subscription)
        var configuration = settings.runtime
        configuration.offsets = offsets
        self.init(source: records, deadLetters: producer, configuration: configuration, handler: handler)
    }

    /// Reads `source` and sends dead letters to `deadLetters`.
    public init(source: any RecordSource, deadLetters sink: any RecordSink, configuration: ConsumerRuntimeConfiguration, handler: Handler) {
        self.configuration = configuration
        self.handler = handler
        self.source = source
        self.sink = sink
        let dimensions = [("consumer", configuration.name)]
        deadLetters = Counter(label: "twinlog_dead_letters_total", dimensions: dimensions, factory: configuration.metrics)
        recordsRead = Counter(label: "twinlog_consumer_records_total", dimensions: dimensions, factory: configuration.metrics)
        lag = Gauge(label: "twinlog_consumer_lag_records", dimensions: dimensions, factory: configuration.metrics)
    }

    /// Applies batches until the task is cancelled or a graceful shutdown begins (the batch in
    /// flight completes first), calling `between` after each poll (periodic work such as a test
    /// or a snapshot) and refreshing the lag gauge when due; then shuts down.
    public func run(between: (() async throws -> Void)? = nil) async throws {
        var lastLag = ContinuousClock.now - configuration.lagInterval
        do {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                let outcome = try await step()
                if outcome.records > 0 {
                    configuration.logger.debug("batch applied", metadata: [
                        "records": "\(outcome.records)", "dead_lettered": "\(outcome.deadLettered)"])
                }
                try await between?()
                if configuration.offsets == .handler, ContinuousClock.now - lastLag >= configuration.lagInterval {
                    lastLag = .now
                    await refreshLag()
                }
            }
        } catch is CancellationError {
        } catch {
            await shutdown()
            throw error
        }
        await shutdown()
    }

    /// Polls one batch and applies it; an empty step when nothing arrived within `timeout`.
    @discardableResult
    public func step(timeout: Duration? = nil) async throws -> ConsumerStep<Handler.Outcome> {
        let records = try await source.poll(maxRecords: configuration.maxBatch, timeout: timeout ?? configuration.pollTimeout)
        guard !records.isEmpty else { return ConsumerStep() }
        recordsRead.increment(by: records.count)
        var entries: [Entry] = []
        var rejected: [OutgoingRecord] = []
        for record in records {
            do {
                entries.append(Entry(record: record, input: try handler.decode(record)))
            } catch {
                entries.append(Entry(record: record, input: nil))
                rejected.append(deadLetter(record, reason: "\(error)"))
            }
        }
        try await send(rejected)
        var outcome = try await apply(entries[...])
        if configuration.offsets == .kafka { try await source.commit(KafkaConsumer.nextOffsets(after: records)) }
        outcome.records = records.count
        outcome.deadLettered += rejected.count
        return outcome
    }

    /// Stops fetching from every assigned partition until `resume`; polls return nothing meanwhile.
    public func pause() async throws {
        try await source.pause()
    }

    /// Fetches again from every assigned partition.
    public func resume() async throws {
        try await source.resume()
    }

    /// Leaves the group and closes the source, the dead-letter sink (the producer given to the
    /// runtime, shared with the handler: the runtime owns it) and the handler, once; later calls
    /// do nothing.
    public func shutdown() async {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        await source.close()
        await sink.close()
        await handler.close()
        configuration.logger.info("consumer stopped", metadata: ["consumer": "\(configuration.name)"])
    }

    /// A polled record and its input; nil when it was of no concern or dead-lettered at decode.
    private struct Entry {
        let record: KafkaRecord
        let input: Handler.Input?
    }

    /// Applies `entries` as one batch; when that fails for a reason of the batch's, applies each
    /// half on its own, down to the single input that fails, which is dead-lettered.
    private func apply(_ entries: ArraySlice<Entry>) async throws -> ConsumerStep<Handler.Outcome> {
        let inputs = entries.compactMap { entry in entry.input.map { (record: entry.record, input: $0) } }
        let offsets = KafkaConsumer.nextOffsets(after: entries.map(\.record))
        do {
            return try await applyCounting(inputs, offsets)
        } catch where !handler.isEnvironmental(error) {
            guard inputs.count > 1 else {
                guard let failed = inputs.first else { throw error }
                configuration.logger.warning("a record's effects failed; dead-lettering it", metadata: [
                    "topic": "\(failed.record.topic)", "partition": "\(failed.record.partition)",
                    "offset": "\(failed.record.offset)", "error": "\(error)"])
                try await send([deadLetter(failed.record, reason: "\(configuration.name) could not apply the record: \(error)")])
                var outcome = try await applyCounting([], offsets)
                outcome.deadLettered += 1
                return outcome
            }
            // Split after the entry holding the middle input, so each half has inputs.
            let withInput = entries.indices.filter { entries[$0].input != nil }
            let cut = withInput[inputs.count / 2 - 1] + 1
            var outcome = try await apply(entries[..<cut])
            outcome.merge(try await apply(entries[cut...]))
            return outcome
        }
    }

    /// The handler's effects, with the records it dead-lettered itself counted.
    private func applyCounting(_ inputs: [(record: KafkaRecord, input: Handler.Input)],
                               _ offsets: [TopicPartition: Int64]) async throws -> ConsumerStep<Handler.Outcome> {
        let rejections = Rejections { [self] record, reason in try await send([deadLetter(record, reason: reason)]) }
        var step = ConsumerStep<Handler.Outcome>()
        step.effects = try await handler.apply(ConsumerBatch(inputs: inputs, nextOffsets: offsets, rejections: rejections))
        step.deadLettered = rejections.count.withLock { $0 }
        return step
    }

    private func deadLetter(_ record: KafkaRecord, reason: String) -> OutgoingRecord {
        DeadLetter.record(for: record, to: configuration.deadLetterTopic, consumer: configuration.name, reason: reason,
                          logger: configuration.logger)
    }

    private func send(_ letters: [OutgoingRecord]) async throws {
        guard !letters.isEmpty else { return }
        try await sink.deliver(letters)
        deadLetters.increment(by: letters.count)
    }

    /// Sets the lag gauge: records on the source topics past the stored offsets (approximate on
    /// brokers whose high watermark is inexact).
    private func refreshLag() async {
        do {
            let ends = try await source.endOffsets()
            let stored = try await handler.storedOffsets(Array(ends.keys))
            lag.record(ends.reduce(0) { $0 + max(0, $1.value - (stored[$1.key] ?? 0)) })
        } catch {
            configuration.logger.debug("could not measure the consumer lag", metadata: ["error": "\(error)"])
        }
    }
}
