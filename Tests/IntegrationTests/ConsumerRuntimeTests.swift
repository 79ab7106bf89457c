import Foundation
import Testing
import TwinlogEvents
import TwinlogKafka
import TwinlogMetrics
import TwinlogSink
import TwinlogTestSupport

/// The runtime every consumer runs on, against the real broker, with a handler of the tests' own
/// (`IntegerLedger`): integers in, a list of applied integers and offsets out, atomically per batch.
@Suite("Consumer runtime: the poison-pill rule, offsets with the effects, pause and resume")
struct ConsumerRuntimeTests {
    struct Setup {
        let topic: String
        let deadLetters: String
        let registry = MetricsRegistry()
        let ledger: IntegerLedger
        let runtime: ConsumerRuntime<IntegerLedger>

        init(_ label: String, poison: Int? = nil) async throws {
            let name = uniqueName(label)
            let topics = TopicCatalogue(prefix: name + ".")
            topic = name + ".numbers"
            deadLetters = topics.deadLetter(consumer: "ledger")
            try await LocalServices.createTopics([TopicSpec(name: topic, partitions: 1, configs: [:]),
                                                  TopicSpec(name: deadLetters, partitions: 1, configs: [:])])
            ledger = IntegerLedger(poison: poison)
            var settings = ConsumerSettings(name: "ledger", kafka: LocalServices.kafka, topics: topics, maxBatch: 100)
            settings.consumer = LocalServices.consumerOptions(group: name + ".ledger")
            settings.runtime.metrics = registry.factory
            runtime = try ConsumerRuntime(settings: settings, source: .group(topics: [topic]), handler: ledger,
                                          producer: try KafkaProducer(configuration: LocalServices.kafka))
        }

        func send(_ values: [String]) async throws {
            let producer = try KafkaProducer(configuration: LocalServices.kafka)
            try await producer.send(values.map { OutgoingRecord(topic: topic, key: $0, value: Array($0.utf8)) })
            await producer.shutdown()
        }

        /// Steps until `count` records were read; returns the merged outcome.
        func read(_ count: Int) async throws -> ConsumerStep<IntegerLedger.Outcome> {
            var total = ConsumerStep<IntegerLedger.Outcome>()
            _ = try await eventually(timeout: .seconds(60)) {
                total.merge(try await runtime.step(timeout: .milliseconds(100)))
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
        let state = setup.ledger.state
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
        let setup = try await Setup("pause")
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
        #expect(setup.ledger.state.applied == [1, 2, 3])
    }
}
