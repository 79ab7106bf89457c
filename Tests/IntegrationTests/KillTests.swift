import Foundation
import Testing
import TwinlogEvents
import TwinlogKafka
import TwinlogKafkaEvents
import TwinlogPostgres
import TwinlogRuntime
import TwinlogSink
import TwinlogTestSupport

/// Effectively-once under crashes: the real `twinlog run --only warehouse,cdc` process is killed with
/// SIGKILL at random moments while it works through a load, then restarted.
@Suite("Kill -9 during a load")
struct KillTests {
    @Test("20 kills of the materializer and the relay during a 10,000-document load: exact warehouse, complete change log",
          .timeLimit(.minutes(10)))
    func killDuringLoad() async throws {
        let binary = try twinlogBinary()
        let fixture = try await WarehouseFixture("kill")
        try await WarehouseSchema.prepare(fixture.db, schema: fixture.name)
        let executor = BlockingExecutor(label: "tests.kill")
        let environment = [
            "TWINLOG_BROKERS": LocalServices.brokers, "TWINLOG_DATABASE_URL": LocalServices.databaseURL,
            "TWINLOG_DATABASE_SCHEMA": fixture.name, "TWINLOG_TOPIC_PREFIX": fixture.topics.prefix,
            "TWINLOG_SESSION_TIMEOUT": "3", "TWINLOG_LOG_LEVEL": "warning",
        ]
        // 8,000 documents, then a second version of the first 2,000: 10,000 events.
        let first = (0..<8000).map { WarehouseFixture.document("https://kill.example/\($0)", author: "Author \($0 % 25)", content: "v1 \($0)") }
        let second = (0..<2000).map { WarehouseFixture.document("https://kill.example/\($0)", author: "Author \($0 % 25)", content: "v2 \($0)") }
        // The load arrives in 20 slices, one per process, so every kill lands while there is work.
        let events = first + second
        var generator = SystemRandomNumberGenerator()
        var killedWhileWorking = 0
        for slice in 0..<20 {
            let before = try await fixture.count("SELECT count(*) AS n FROM document_versions")
            try await fixture.send(Array(events[slice * 500..<(slice + 1) * 500]))
            let running = try ChildProcess.start([binary, "run", "--only", "warehouse,cdc"], environment: environment, stdoutPath: "/dev/null")
            // Kill shortly after this process applied something, at a random point of its work.
            let working = try await eventually(timeout: .seconds(15)) {
                try await fixture.count("SELECT count(*) AS n FROM document_versions") > before
            }
            if working { killedWhileWorking += 1 }
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...400, using: &generator)))
            running.send(SIGKILL)
            try await executor.run { try running.wait() }
        }
        #expect(killedWhileWorking >= 10, "only \(killedWhileWorking) of 20 processes had started applying their slice when killed")

        let last = try ChildProcess.start([binary, "run", "--only", "warehouse,cdc"], environment: environment, stdoutPath: "/dev/null")
        let complete = try await eventually(timeout: .seconds(240)) {
            try await fixture.count("SELECT count(*) AS n FROM document_versions") == 10_000
        }
        #expect(complete)

        // The warehouse is exact: every document at its last version, every version recorded once.
        #expect(try await fixture.count("SELECT count(*) AS n FROM documents") == 8000)
        #expect(try await fixture.count("SELECT count(*) AS n FROM documents WHERE version = 2") == 2000)
        #expect(try await fixture.count("SELECT count(*) AS n FROM documents WHERE content LIKE 'v2 %'") == 2000)
        #expect(try await fixture.count("SELECT count(*) AS n FROM authors") == 25)

        // The change log misses nothing: every version row reached the topic (as an insert, or as a
        // snapshot read when it was written before the slot existed); a change that repeats after
        // a kill carries the same position.
        let reader = try KafkaConsumer(configuration: LocalServices.kafka, options: LocalServices.consumerOptions(group: fixture.name + ".audit"),
                                       topics: [fixture.topics.warehouseChanges])
        var versions: [String: Set<String>] = [:]
        let deadline = ContinuousClock.now + .seconds(240)
        while versions.count < 10_000, ContinuousClock.now < deadline {
            for record in try await reader.poll(maxRecords: 5000, timeout: .milliseconds(200)) {
                let change = try EventCodec.decode(record, as: WarehouseChange.self).event
                guard change.table == "document_versions", change.op == .create || change.op == .read,
                      let document = change.key["document_id"], let version = change.key["version"] else { continue }
                versions["\(document)#\(version)", default: []].insert(change.op == .read ? "snapshot" : "\(change.lsn):\(change.sequence)")
            }
        }
        await reader.close()
        last.send(SIGTERM)
        try await executor.run { try last.wait() }
        #expect(versions.count == 10_000)
        #expect(versions.values.allSatisfy { $0.count == 1 }, "a repeated change must carry its original position")

        _ = await eventually(timeout: .seconds(20)) {
            (try? await fixture.db.execute("SELECT pg_drop_replication_slot(\("twinlog_cdc_" + fixture.name))")) != nil
        }
    }
}
