import Logging
import Testing
import TwinlogKafka
import TwinlogMetrics
import TwinlogSink
import TwinlogTestSupport

/// The runtime's rules with records in memory (`InMemoryLog`), no broker: what it costs to find a
/// poison record, what an error of the environment does, and offsets committed to the group.
@Suite("Consumer runtime rules, without a broker")
struct ConsumerRuntimeRuleTests {
    func runtime(_ ledger: IntegerLedger, _ log: InMemoryLog, offsets: OffsetHome = .handler,
                 registry: MetricsRegistry = MetricsRegistry()) -> ConsumerRuntime<IntegerLedger> {
        var configuration = ConsumerRuntimeConfiguration(
            name: "ledger", deadLetterTopic: "ledger.dlq", maxBatch: 64, metrics: registry.factory, logger: .init(label: "tests"))
        configuration.offsets = offsets
        return ConsumerRuntime(source: log, deadLetters: log, configuration: configuration, handler: ledger)
    }

    @Test("a poison record in a batch of 64 is found by halving: the rest applied once, in order, in a handful of applies")
    func halving() async throws {
        let log = InMemoryLog(topic: "numbers")
        log.append((0..<64).map(String.init))
        let ledger = IntegerLedger(poison: 37)
        let registry = MetricsRegistry()
        let outcome = try await runtime(ledger, log, registry: registry).step()

        #expect(outcome.records == 64 && outcome.deadLettered == 1 && outcome.applied == 63)
        let state = ledger.state
        #expect(state.applied == (0..<64).filter { $0 != 37 })
        #expect(state.offsets == [TopicPartition("numbers", 0): 64], "stored past every record, the poison included")
        // The whole batch, then one failing half per level down to the record (6 levels), each
        // with its passing sibling, and the empty batch that stores the poison's offset.
        #expect(state.applyCalls <= 1 + 2 * 6 + 1, "\(state.applyCalls) applies")
        #expect(log.delivered.count == 1)
        #expect(log.delivered.first?.headers.contains { $0.name == DeadLetter.sourceOffsetHeader && $0.value == Array("37".utf8) } == true)
        #expect(registry.render().contains(#"twinlog_dead_letters_total{consumer="ledger"} 1"#))
    }

    @Test("an error of the environment stops the step: nothing applied, nothing dead-lettered, no offset stored")
    func environmentalError() async throws {
        let log = InMemoryLog(topic: "numbers")
        log.append(["1", "2", "3"])
        let ledger = IntegerLedger(outage: 2)
        await #expect(throws: IntegerLedger.Outage.self) { try await runtime(ledger, log).step() }
        #expect(ledger.state.applied.isEmpty && ledger.state.offsets.isEmpty)
        #expect(log.delivered.isEmpty)
    }

    @Test("records of no concern and records that do not decode still move the offset; decode failures are dead-lettered first")
    func skippedRecords() async throws {
        let log = InMemoryLog(topic: "numbers")
        log.append(["-1", "x", "5", "-2"])
        let ledger = IntegerLedger()
        let outcome = try await runtime(ledger, log).step()
        #expect(outcome.records == 4 && outcome.deadLettered == 1)
        #expect(ledger.state.applied == [5])
        #expect(ledger.state.offsets == [TopicPartition("numbers", 0): 4])
        #expect(log.delivered.first?.headers.first { $0.name == DeadLetter.reasonHeader }?.value == Array("not an integer".utf8))
    }

    @Test("with offsets in Kafka, the batch's next offsets are committed after the handler applied it")
    func committedToTheGroup() async throws {
        let log = InMemoryLog(topic: "numbers")
        log.append(["1", "2"])
        let ledger = IntegerLedger()
        let runtime = runtime(ledger, log, offsets: .kafka)
        _ = try await runtime.step()
        #expect(log.committed == [TopicPartition("numbers", 0): 2])
        try await runtime.pause()
        log.append(["3"])
        #expect(try await runtime.step(timeout: .milliseconds(20)).records == 0)
        try await runtime.resume()
        #expect(try await runtime.step().records == 1)
        #expect(log.committed == [TopicPartition("numbers", 0): 3])
    }
}
