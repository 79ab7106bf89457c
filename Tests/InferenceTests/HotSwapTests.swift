import Foundation
import InferenceConsumer
import Testing
import TwinlogAsk
import TwinlogEvents
import TwinlogGeneration
import TwinlogKafka
import TwinlogKafkaEvents
import TwinlogTestSupport

@Suite("Hot swap of the answering model")
struct HotSwapTests {
    @Test("a published adapter is swapped in between requests; one whose SHA-256 does not match is refused")
    func hotSwap() async throws {
        let fixture = try await InferenceConsumerTests.Fixture("inf-hotswap")
        let base = try Corpus.generator.get()
        let consumer = try fixture.consumer(generator: true)
        let serving = Task { try await consumer.run() }
        let client = try await QueryClient(kafka: LocalServices.kafka, topics: fixture.topics)
        func ask() async throws -> QueryAnswered {
            try await client.ask(fixture.request("Where was the moth found?", retrievalOnly: false, maxTokens: 2), timeout: .seconds(120))
        }
        #expect(try await ask().modelVersion == "base-test")

        let parameters = LoRAParameters(configuration: LoRAConfiguration(rank: 2, targets: [.query]),
                                        shape: ModelShape(base.model.config), seed: 7)
        let folder = temporaryPath("hotswap")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/adapter.twlt"
        let written = try LoRAArtifact(parameters: parameters).write(to: path)
        let watcher = try await ModelWatcher(kafka: LocalServices.kafka, topics: fixture.topics, base: base,
                                             baseModelSha256: String(repeating: "a", count: 64),
                                             artifacts: try ArtifactFolder(path: folder), inference: consumer)
        let watching = Task { try await watcher.run() }
        let producer = try KafkaProducer(configuration: LocalServices.kafka)
        let tampered = ModelPublished(modelVersion: "v2-tampered", baseModelSha256: String(repeating: "a", count: 64), adapterPath: path,
                                      adapterSha256: String(repeating: "0", count: 64), datasetVersion: nil, metrics: [:], publishedAt: Date())
        let champion = ModelPublished(modelVersion: "v2", baseModelSha256: String(repeating: "a", count: 64), adapterPath: path,
                                      adapterSha256: written.contentHash, datasetVersion: nil, metrics: [:], publishedAt: Date())
        await #expect(throws: ArtifactError.self, "an artifact whose hash differs from the event's is refused") {
            try await watcher.apply(tampered)
        }
        #expect(try await ask().modelVersion == "base-test")
        try await producer.send([try EventCodec.record(tampered, topic: fixture.topics.models, source: "tests"),
                                 try EventCodec.record(champion, topic: fixture.topics.models, source: "tests")])
        await producer.shutdown()

        // Requests keep being answered while the swap happens; none is dropped.
        var versions: [String] = []
        let deadline = ContinuousClock.now + .seconds(120)
        while versions.last != "v2", ContinuousClock.now < deadline {
            let reply = try await ask()
            #expect(reply.status == .ok)
            versions.append(reply.modelVersion ?? "")
        }
        #expect(versions.last == "v2")
        #expect(!versions.contains("v2-tampered"))

        watching.cancel()
        _ = await watching.result
        await client.close()
        serving.cancel()
        _ = await serving.result
    }
}
