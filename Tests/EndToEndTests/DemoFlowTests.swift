import Crawlers
import Foundation
import IndexConsumer
import Testing
import TrainingConsumer
import TwinlogApp
import TwinlogAsk
import TwinlogConfig
import TwinlogEmbedding
import TwinlogEvents
import TwinlogIndex
import TwinlogKafka
import TwinlogKafkaEvents
import TwinlogMetrics
import TwinlogRAG
import TwinlogTestSupport

/// The demo's flow, driven without a terminal against the real broker, PostgreSQL, crawlers and
/// models, in a namespace of its own; then what an operator does next: replay the index from the
/// chunk topic, and erase the author.
@Suite("The demo end to end", .serialized)
struct DemoFlowTests {
    @Test("the demo trains and serves a better model; its answers cite the right documents; a replayed index retrieves the same; an erased author disappears from the answers",
          .timeLimit(.minutes(30)))
    func demoFlow() async throws {
        let settings = try DemoServices.settings("flow")
        let session = try await DemoSession.start(settings)
        do {
            try await check(session)
        } catch {
            try? await session.stop()
            throw error
        }
        try await session.stop()
    }

    private func check(_ session: DemoSession) async throws {
        let report = try await session.run()
        let author = session.author

        // The training run made a model on the author's texts that beats the base model on their
        // held-out text, and the inference consumer switched to it.
        let metrics = report.training.metrics
        #expect(report.training.promoted, "metrics \(metrics)")
        #expect((metrics["eval_perplexity"] ?? .infinity) < (metrics["eval_perplexity_base"] ?? 0))

        // Every sample question is answered, by the real model, citing the document that holds the answer first.
        #expect(report.answers.count == author.questions.count)
        for answer in report.answers {
            #expect(answer.reply.status == .ok, "\(answer.question.question): \(answer.reply.error ?? "")")
            #expect(answer.citesExpectedSource, "\(answer.question.question) cited \(answer.reply.sources.map(\.title))")
            #expect(!(answer.reply.answer ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
            // Answers read as answers: evidence quoted from the sources, and no word 4-gram said more than twice.
            #expect(answer.reply.evidence?.isEmpty == false, "\(answer.question.question) has no evidence")
            let words = (answer.reply.answer ?? "").lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
            var counts: [[String]: Int] = [:]
            if words.count >= 4 { for i in 0...(words.count - 4) { counts[Array(words[i..<(i + 4)]), default: 0] += 1 } }
            #expect(counts.values.allSatisfy { $0 <= 2 }, "\(answer.question.question) loops: \(answer.reply.answer ?? "")")
            #expect(answer.reply.modelVersion == (report.training.promoted ? report.training.modelVersion : "base"))
        }
        // Every document of the sample author went through: one capture each, one warehouse row each.
        let documents = report.crawl.stats.captured
        #expect(documents == 23)
        #expect(report.summary.events.first { $0.topic == session.settings.config.topics.documents }?.count == documents)
        #expect(report.summary.rows.first { $0.table == "documents" }?.count == documents)
        #expect(report.summary.indexVectors == report.summary.chunks)

        // Every consumer of a topic runs on the consumer runtime, so each one's dead letters, records
        // and lag are in the process's metrics, where `twinlog run --metrics-file` exports them.
        let exposition = TwinlogMetrics.shared.render()
        for consumer in ["warehouse", "features", "index", "inference", "drift", "training"] {
            #expect(exposition.contains(#"twinlog_dead_letters_total{consumer="\#(consumer)"}"#), "no dead-letter counter for \(consumer)")
            #expect(exposition.contains(#"twinlog_consumer_records_total{consumer="\#(consumer)"}"#), "no record counter for \(consumer)")
        }

        // An index replayed from the chunk topic holds the same chunks and retrieves what the live
        // pipeline retrieves, without running the embedder over the chunks again.
        let config = session.settings.config
        let (replayed, _) = try await IndexReplay.run(IndexMaterializer.Configuration(kafka: config.kafka, topics: config.topics))
        #expect(replayed.keys == session.servingIndex.keys)
        for key in replayed.keys {
            #expect(replayed.vector(for: key) == session.servingIndex.vector(for: key), "the vector of \(key) differs")
            #expect(replayed.payload(for: key) == session.servingIndex.payload(for: key), "the payload of \(key) differs")
        }
        let embedder = try await session.settings.models.embedder()
        let retriever = Retriever(index: replayed) { texts in await embedder.embed(texts) }
        let client = try await QueryClient(kafka: config.kafka, topics: config.topics)
        for question in author.questions {
            let live = try await client.ask(QueryRequested(queryId: UUID().uuidString, question: question.question, k: 5, retrievalOnly: true,
                                                           deadline: Date().addingTimeInterval(120)), timeout: .seconds(120))
            let again = try await retriever.retrieve(RetrievalRequest(question: question.question, k: 5))
            // The same chunks in the same order. (Scores are not compared: the hybrid rerank scales
            // BM25 over the HNSW candidates, and two graphs built in different orders may offer
            // different candidates below the top k.)
            #expect(live.sources.map(\.chunkId) == again.chunks.map(\.chunkId), "\(question.question)")
        }
        await client.close()

        // An erasure request flows warehouse → CDC → features → chunks → index: the author's
        // documents leave the index, and no answer cites them any more.
        let ids = Set(session.servingIndex.keys.compactMap { session.servingIndex.payload(for: $0)?.documentId })
        let producer = try KafkaProducer(configuration: config.kafka)
        try await producer.send(EventCodec.record(AuthorErased(authorId: author.authorId, reason: "erasure request", requestedAt: Date()),
                                                  topic: config.topics.documents, source: "tests"))
        await producer.shutdown()
        let deadline = ContinuousClock.now + .seconds(300)
        while session.servingIndex.count > 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(200)) }
        #expect(session.servingIndex.count == 0)
        for answer in try await session.ask(author.questions) {
            #expect(answer.reply.status == .ok)
            #expect(Set(answer.reply.sources.map(\.documentId)).isDisjoint(with: ids), "\(answer.question.question) still cites \(answer.reply.sources.map(\.title))")
        }
    }
}

/// The broker and PostgreSQL that `infra/dev/up` started, the real models, and a namespace and
/// work folder of the test's own. Missing services fail the test with what to run.
enum DemoServices {
    static func settings(_ label: String) throws -> DemoSettings {
        try LocalServices.requireKafka()
        var config = try TwinlogConfiguration.load()
        // Tansu takes about half the session timeout to let a member join.
        config.sessionTimeout = 3
        let namespace = uniqueName("e2e_" + label)
        var settings = try DemoSettings(config: config, namespace: namespace,
                                        workDirectory: FileManager.default.temporaryDirectory.appendingPathComponent("twinlog-\(namespace)"))
        settings.maxTokens = 24
        // One short style answer: the debug build generates slowly.
        settings.training.styleSamples = 1
        settings.training.styleMaxTokens = 8
        return settings
    }
}
