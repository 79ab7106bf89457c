import Foundation
import Testing
import TwinlogAsk
import TwinlogEmbedding
import TwinlogEvents
import TwinlogKafka
import TwinlogKafkaEvents
import TwinlogRuntime
import TwinlogTestSupport
import TwinlogText

/// The real `twinlog run --only inference` process, killed with SIGKILL while it generates an
/// answer: the asker gets a clean timeout, and a retry after a restart is answered.
@Suite("Kill -9 of the inference consumer mid-request", .serialized)
struct InferenceKillTests {
    /// Waits until `path` contains `text` (the process logs to it) or `timeout` passes.
    static func waitForLog(_ path: String, containing text: String, timeout: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let log = try? String(contentsOfFile: path, encoding: .utf8), log.contains(text) { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    @Test("a consumer killed while it generates leaves the asker a clean timeout; after a restart a retry is answered",
          .timeLimit(.minutes(10)))
    func killMidRequest() async throws {
        try LocalServices.requireKafka()
        let binary = try twinlogBinary()
        let name = uniqueName("inf_kill")
        let topics = TopicCatalogue(prefix: name + ".", partitions: 2)
        try await LocalServices.createTopics(topics.specs)

        // The corpus on the chunk topic, as the feature consumer would publish it: the process's
        // index replica is read from there.
        let embedder = try Corpus.embedder.get()
        let vectors = await embedder.embed(Corpus.chunks.map { "\($0.title)\n\($0.text)" })
        let producer = try KafkaProducer(configuration: LocalServices.kafka)
        _ = try await producer.send(try zip(Corpus.chunks, vectors).map { chunk, vector in
            let event = ChunkEmbedded(chunkId: EventIDs.sha256Hex(chunk.id), documentId: EventIDs.documentId(url: "https://example.test/\(chunk.id)"),
                                      authorId: chunk.author,
                                      platform: Platform(rawValue: chunk.platform)!, kind: DocumentKind(rawValue: chunk.kind)!,
                                      title: chunk.title, url: "https://example.test/\(chunk.id)", text: chunk.text, chunkIndex: 0,
                                      vector: vector, model: "all-MiniLM-L6-v2", sourceTime: Date())
            return try EventCodec.record(event, topic: topics.chunks, source: "tests")
        })
        await producer.shutdown()

        let log = FileManager.default.temporaryDirectory.appendingPathComponent("\(name).log").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let environment = ["TWINLOG_BROKERS": LocalServices.brokers, "TWINLOG_TOPIC_PREFIX": topics.prefix, "TWINLOG_SESSION_TIMEOUT": "3",
                           "TWINLOG_LOG_LEVEL": "info"]
        let arguments = [binary, "run", "--only", "inference"]
        let executor = BlockingExecutor(label: "tests.inference.kill")
        let client = try await QueryClient(kafka: LocalServices.kafka, topics: topics)

        let process = try ChildProcess.start(arguments, environment: environment, stdoutPath: "/dev/null", stderrPath: log)
        // A long answer, so the process is still generating when it is killed. Its deadline passes
        // before a restarted process could take the request up again.
        let doomed = QueryRequested(queryId: UUID().uuidString, question: "Tell me everything about the moth in the Mark II.",
                                    authorId: nil, platform: nil, k: 3, maxTokens: 400, retrievalOnly: false,
                                    deadline: Date().addingTimeInterval(40))
        let asker = Task { try await client.ask(doomed, timeout: .seconds(40)) }
        let started = try await Self.waitForLog(log, containing: doomed.queryId, timeout: .seconds(120))
        #expect(started, "the consumer should have taken up the request: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        process.send(SIGKILL)
        _ = try await executor.run { try process.wait() }

        let outcome = await asker.result
        switch outcome {
        case .failure(let error as QueryClient.Failure):
            guard case .timedOut(let id, _) = error else { Issue.record("expected a timeout, got \(error)"); break }
            #expect(id == doomed.queryId)
        case .failure(let error): Issue.record("expected a clean timeout, got \(error)")
        case .success(let reply): Issue.record("the killed consumer cannot have answered, got \(reply.status)")
        }

        // Restart and retry: the retry is answered (the redelivered doomed request, now past its
        // deadline, gets an error reply nobody waits for).
        let restarted = try ChildProcess.start(arguments, environment: environment, stdoutPath: "/dev/null", stderrPath: log)
        let retry = QueryRequested(queryId: UUID().uuidString, question: "Where was the moth found?", authorId: nil, platform: nil,
                                   k: 3, maxTokens: 16, retrievalOnly: true, deadline: Date().addingTimeInterval(180))
        let reply = try await client.ask(retry, timeout: .seconds(180))
        #expect(reply.status == .ok)
        #expect(reply.sources.first?.chunkId == EventIDs.sha256Hex("c-grace-bug"))
        restarted.send(SIGTERM)
        #expect(try await executor.run { try restarted.wait() } == 0, "SIGTERM stops the consumer cleanly")
        await client.close()
    }
}
