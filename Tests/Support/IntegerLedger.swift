import Synchronization
import TwinlogEvents
import TwinlogKafka
import TwinlogSink

/// A `ConsumerHandler` for testing the runtime's own rules: records hold integers, and each batch
/// appends its integers and stores its offsets atomically, or fails as a whole before changing
/// anything (as a PostgreSQL transaction would) when it holds `poison`, or with an error of the
/// environment when it holds `outage`.
public final class IntegerLedger: ConsumerHandler {
    /// What a batch did: the integers applied.
    public struct Outcome: ConsumerOutcome {
        public var applied = 0
        public init() {}
        public mutating func merge(_ other: Outcome) { applied += other.applied }
    }

    /// What the ledger holds.
    public struct State: Sendable {
        public var applied: [Int] = []
        public var offsets: [TopicPartition: Int64] = [:]
        /// Calls of `apply`, failed ones included.
        public var applyCalls = 0
    }

    /// The error an `outage` input raises, which the ledger calls the environment's.
    public struct Outage: Error {}

    public let poison: Int?
    public let outage: Int?
    private let ledger = Mutex(State())

    public init(poison: Int? = nil, outage: Int? = nil) {
        self.poison = poison
        self.outage = outage
    }

    public var state: State { ledger.withLock { $0 } }

    /// An integer; nil (of no concern) for a negative one; a throw for anything else.
    public func decode(_ record: KafkaRecord) throws -> Int? {
        guard let text = record.value.map({ String(decoding: $0, as: UTF8.self) }), let value = Int(text) else {
            throw EventError("not an integer")
        }
        return value < 0 ? nil : value
    }

    public func apply(_ batch: ConsumerBatch<Int>) async throws -> Outcome {
        ledger.withLock { $0.applyCalls += 1 }
        let values = batch.inputs.map(\.input)
        if let outage, values.contains(outage) { throw Outage() }
        if let poison, values.contains(poison) { throw EventError("\(poison) cannot be applied") }
        ledger.withLock { state in
            state.applied += values
            state.offsets.merge(batch.nextOffsets) { max($0, $1) }
        }
        var outcome = Outcome()
        outcome.applied = values.count
        return outcome
    }

    public func storedOffsets(_ partitions: [TopicPartition]) async throws -> [TopicPartition: Int64] {
        ledger.withLock { state in state.offsets.filter { partitions.contains($0.key) } }
    }

    public func isEnvironmental(_ error: any Error) -> Bool {
        error is Outage || ConsumerRuntimeErrors.isEnvironmental(error)
    }
}
