import Foundation
import Synchronization
import Testing
import TwinlogEvents
import TwinlogKafka
import TwinlogMetrics
import TwinlogSink
import TwinlogTestSupport

/// The runtime every consumer runs on, with a handler of the test's own: integers in, a running
/// list of applied integers and offsets out, atomically per batch.
@Suite("Consumer runtime: the poison-pill rule, offsets with the effects, pause and resume")
struct ConsumerRuntimeTests {
    /// Keeps what it applied and the offsets stored with it; a batch holding `poison` fails as a
    /// whole before changing anything, as a transaction would.
    final class Ledger: ConsumerHandler {
        struct Outcome: ConsumerOutcome {
            var records = 0
            var deadLettered = 0
            var applied = 0
            mutating func merge(_ other: Outcome) {
                deadLettered += other.deadLettered
                applied += other.applied
            }
        }

        struct State {
            var applied: [Int] = []
            var offsets: [TopicPartition: Int64] = [:]
            var batches = 0
        }

        let poison: Int
        let state = Mutex(State())

        init(poison: Int) { self.poison = poison }

        func decode(_ record: KafkaRecord) throws -> Int? {
            guard let text = record.value.map({ String(decoding: $0, as: UTF8.self) }), let value = Int(text) else {
                throw EventError("not an integer")
            }
            return value < 0 ? nil : value
        }

        func apply(_ batch: ConsumerBatch<Int>) async throws -> Outcome {
            if batch.inputs.contains(where: { $0.input == poison }) { throw EventError("\(poison) cannot be applied") }
            state.withLock { state in
                state.applied += batch.inputs.map(\.input)
                for (tp, next) in batch.nextOffsets { state.offsets[tp] = max(state.offsets[tp] ?? 0, next) }
                state.batches += 1
            }
            var outcome = Outcome()
            outcome.applied = batch.inputs.count
            return outcome
        }

        func storedOffsets(_ partitions: [TopicPartition]) async throws -> [TopicPartition: Int64] {
            state.withLock { state in state.offsets.filter { partitions.contains($0.key) } }
        }
    }

    struct Setup {
        let topic: String
        let deadLetters: String
        let registry = MetricsRegistry()
        let ledger: Ledger
        let runtime: ConsumerRuntime<Ledger>

        init(_ label: String, poison: Int) async throws {
            let name = uniqueName(label)
            topic = name + ".numbers"
            deadLetters = name + ".dlq"
            try await LocalServices.createTopics([TopicSpec(name: topic, partitions: 1, configs: [:]),
                                                  TopicSpec(name: deadLetters, partitions: 1, configs: [:])])
            ledger = Ledger(poison: poison)
            runtime = try ConsumerRuntime(kafka: LocalServices.kafka, configuration: .init(
                name: "ledger", source: .group(topics: [topic]), options: LocalServices.consumerOptions(group: name + ".ledger"),
                deadLetterTopic: deadLetters, maxBatch: 100, metrics: registry.factory, logger: .init(label: "tests")),
                handler: ledger)
        }

        func send(_ values: [String]) async throws {
            let producer = try KafkaProducer(configuration: LocalServices.kafka)
            try await producer.send(values.map { OutgoingRecord(topic: topic, key: $0, value: Array($0.utf8)) })
            await producer.shutdown()
        }

        /// Steps until `count` records were read; returns the merged outcome.
        func read(_ count: Int) async throws -> Ledger.Outcome {
            var total = Ledger.Outcome()
            _ = try await eventually(timeout: .seconds(60)) {
                let outcome = try await runtime.step(timeout: .milliseconds(100))
                total.records += outcome.records
                total.merge(outcome)
                return total.records >= count
            }
            return total
        }
    }

    @Test("a record whose effects fail is dead-lettered with its reason; every other record of its batch is applied once, in order")
    func poisonInApply() async throws {
        let setup = try await Setup("poison", poison: 13)
        let values = (0..<40).map(String.init) + ["not a number", "-1", "40"]
        try await setup.send(values)
        let outcome = try await setup.read(values.count)
        await setup.runtime.shutdown()

        #expect(outcome.records == 43)
        #expect(outcome.deadLettered == 2, "13 (its effects failed) and the record that does not decode")
        let state = setup.ledger.state.withLock { $0 }
        #expect(state.applied == (0..<41).filter { $0 != 13 }, "the rest applied once each, in log order")
        #expect(state.offsets.values.max() == 43, "the stored offset passes every record, the dead-lettered ones included")

        let reader = try LocalServices.reader(setup.deadLetters, group: setup.deadLetters + ".reader")
        let letters = try await LocalServices.consume(reader, count: 2)
        await reader.close()
        #expect(letters.count == 2)
        let reasons = letters.compactMap { $0.header(DeadLetter.reasonHeader)?.stringValue }
        #expect(reasons.contains { $0.contains("13 cannot be applied") })
        #expect(reasons.contains { $0.contains("not an integer") })
        #expect(setup.registry.render().contains(#"twinlog_dead_letters_total{consumer="ledger"} 2"#))
    }

    @Test("a paused runtime reads nothing until it resumes, then reads from where it stopped")
    func pauseAndResume() async throws {
        let setup = try await Setup("pause", poison: -100)
        try await setup.send(["1", "2"])
        #expect(try await setup.read(2).records == 2)
        try await setup.runtime.pause()
        try await setup.send(["3"])
        var whilePaused = 0
        for _ in 0..<10 { whilePaused += try await setup.runtime.step(timeout: .milliseconds(100)).records }
        #expect(whilePaused == 0)
        try await setup.runtime.resume()
        #expect(try await setup.read(1).records == 1)
        await setup.runtime.shutdown()
        #expect(setup.ledger.state.withLock { $0.applied } == [1, 2, 3])
    }
}
