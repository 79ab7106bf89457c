import Foundation
@testable import InferenceConsumer
import Testing
import TwinlogAsk
import TwinlogEvents
import TwinlogGeneration
import TwinlogKafka
import TwinlogKafkaEvents
import TwinlogTestSupport

/// Requests and published models written by someone hostile: the service neither stops nor
/// writes or reads where it should not.
@Suite("Hostile queries and published models")
struct InferenceHostileInputTests {
    /// A query record for `replyTo`, as an asker would write it.
    static func query(_ fixture: InferenceConsumerTests.Fixture, replyTo: String, id: String) throws -> OutgoingRecord {
        var request = fixture.request("Where was the moth found?")
        request.queryId = id
        return try EventCodec.record(request, topic: fixture.topics.queries, source: "tests",
                                     headers: [KafkaHeader("correlation-id", id), KafkaHeader("reply-to", replyTo)])
    }

    /// Whether the cluster lists `topic` (listing every topic never creates one).
    static func topicExists(_ topic: String) async throws -> Bool {
        let admin = try KafkaAdmin(configuration: LocalServices.kafka)
        let topics = try await admin.listTopics()
        await admin.close()
        return topics.contains { $0.name == topic }
    }

    @Test("a reply-to must be a legal topic name starting with the allowed prefix")
    func replyTopicCheck() {
        let prefix = "ns.twin.replies"
        for allowed in ["ns.twin.replies", "ns.twin.replies.gateway-7", "ns.twin.replies_x"] {
            #expect(InferenceConsumer.replyTopicRefusal(allowed, prefix: prefix) == nil, "\(allowed)")
        }
        for refused in ["", "ns.twin.documents", "twin.replies", "ns.twin.replies bad", "ns.twin.replies/..", "ns.twin.repliés",
                        "ns.twin.replies" + String(repeating: "x", count: 240)] {
            #expect(InferenceConsumer.replyTopicRefusal(refused, prefix: prefix) != nil, "\(refused)")
        }
    }

    @Test("a query whose reply-to lies outside the allowed prefix is dead-lettered and nothing is written to that topic")
    func replyOutsidePrefix() async throws {
        let fixture = try await InferenceConsumerTests.Fixture("inf-reply-outside")
        // An existing topic the service must not write to.
        let victim = fixture.topics.prefix + "twin.victim"
        try await LocalServices.createTopics([TopicSpec(name: victim, partitions: 1)])
        let consumer = try fixture.consumer()
        let running = Task { try await consumer.run() }
        let dead = try LocalServices.reader(fixture.topics.deadLetter(consumer: InferenceConsumer.consumerName), group: fixture.topics.prefix + "dlq")
        let producer = try KafkaProducer(configuration: LocalServices.kafka)
        try await producer.send(Self.query(fixture, replyTo: victim, id: "q-outside"))

        let letters = try await LocalServices.consume(dead, count: 1)
        let letter = try #require(letters.first)
        #expect(letter.key.map { String(decoding: $0, as: UTF8.self) } == "q-outside")
        let reason = try #require(letter.header("dlq-reason")?.stringValue)
        #expect(reason.contains("allowed reply topic prefix \(fixture.topics.replies)"), "\(reason)")
        // The letter is written after the request was handled: the victim topic got nothing.
        let admin = try KafkaAdmin(configuration: LocalServices.kafka)
        let ends = try await admin.endOffsets(topic: victim)
        await admin.close()
        #expect(ends.values.allSatisfy { $0 == 0 }, "the victim topic holds \(ends)")

        // The consumer goes on answering on the allowed topic.
        let client = try await QueryClient(kafka: LocalServices.kafka, topics: fixture.topics)
        #expect(try await client.ask(fixture.request("Where was the moth found?"), timeout: .seconds(60)).status == .ok)
        await client.close()
        await producer.shutdown()
        await dead.close()
        running.cancel()
        _ = await running.result
    }

    @Test("a reply-to that is allowed but names a missing topic is not created, the query is dead-lettered, and the next query is answered")
    func replyToMissingTopic() async throws {
        let fixture = try await InferenceConsumerTests.Fixture("inf-reply-missing")
        let missing = fixture.topics.replies + ".gone"
        let consumer = try fixture.consumer()
        let running = Task { try await consumer.run() }
        let dead = try LocalServices.reader(fixture.topics.deadLetter(consumer: InferenceConsumer.consumerName), group: fixture.topics.prefix + "dlq")
        let producer = try KafkaProducer(configuration: LocalServices.kafka)
        try await producer.send(Self.query(fixture, replyTo: missing, id: "q-missing"))
        await producer.shutdown()

        let letter = try #require(try await LocalServices.consume(dead, count: 1).first)
        #expect(letter.key.map { String(decoding: $0, as: UTF8.self) } == "q-missing")
        let reason = try #require(letter.header("dlq-reason")?.stringValue)
        #expect(reason.contains("the reply to \(missing) could not be delivered"), "\(reason)")
        // Tansu creates a topic a producer asks about; the consumer's producer must not ask it to.
        #expect(try await !Self.topicExists(missing))
        // The failed reply did not stop the consumer: a query sent after it is answered.
        let client = try await QueryClient(kafka: LocalServices.kafka, topics: fixture.topics)
        let next = try await client.ask(fixture.request("Where was the moth found?"), timeout: .seconds(120))
        #expect(next.status == .ok)
        await client.close()
        await dead.close()
        running.cancel()
        _ = await running.result
    }
}

/// ModelPublished events that point where they should not, or at what they should not.
@Suite("Hostile published models")
struct ModelWatcherHostileInputTests {
    static let baseHash = String(repeating: "b", count: 64)

    /// An artifacts folder with a good adapter inside, and a valid adapter outside it reached by
    /// a symlink from inside.
    struct Artifacts {
        let root: String
        let good: LoRAArtifact
        let goodPath: String
        let outside: LoRAArtifact
        let linkPath: String

        init(base: Generator) throws {
            let scratch = temporaryPath("watcher")
            root = scratch + "/artifacts"
            try FileManager.default.createDirectory(atPath: root + "/adapters", withIntermediateDirectories: true)
            let shape = ModelShape(base.model.config)
            goodPath = root + "/adapters/good.twlt"
            good = try LoRAArtifact(parameters: LoRAParameters(configuration: LoRAConfiguration(rank: 2, targets: [.query]), shape: shape, seed: 1),
                                    metadata: ["base_model": ModelWatcherHostileInputTests.baseHash]).write(to: goodPath)
            let outsidePath = scratch + "/elsewhere.twlt"
            outside = try LoRAArtifact(parameters: LoRAParameters(configuration: LoRAConfiguration(rank: 2, targets: [.value]), shape: shape, seed: 2))
                .write(to: outsidePath)
            linkPath = root + "/adapters/link.twlt"
            try FileManager.default.createSymbolicLink(atPath: linkPath, withDestinationPath: outsidePath)
        }

        func remove() { try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent) }
    }

    static func published(_ version: String, base: String = baseHash, path: String?, hash: String?) -> ModelPublished {
        ModelPublished(modelVersion: version, baseModelSha256: base, adapterPath: path, adapterSha256: hash,
                       datasetVersion: nil, metrics: [:], publishedAt: Date())
    }

    /// Events that must be refused, each with the version it would have served.
    static func hostile(_ a: Artifacts) -> [ModelPublished] {
        [
            published("v-escape", path: "../../../../../../../../etc/passwd", hash: a.good.contentHash),
            published("v-absolute", path: "/etc/passwd", hash: a.good.contentHash),
            published("v-symlink", path: a.linkPath, hash: a.outside.contentHash),
            published("v-null-hash", path: a.goodPath, hash: nil),
            published("v-wrong-hash", path: a.goodPath, hash: String(repeating: "0", count: 64)),
            published("v-other-base", base: String(repeating: "c", count: 64), path: a.goodPath, hash: a.good.contentHash),
            published("v-base-of-other", base: String(repeating: "c", count: 64), path: nil, hash: nil),
        ]
    }

    @Test("events naming a path outside the artifacts folder (.., absolute, symlink), no hash, a wrong hash or another base model are refused")
    func refusals() async throws {
        let fixture = try await InferenceConsumerTests.Fixture("inf-watch-refuse")
        let base = try Corpus.generator.get()
        let artifacts = try Artifacts(base: base)
        defer { artifacts.remove() }
        let consumer = try fixture.consumer(generator: true)
        let watcher = try await ModelWatcher(kafka: LocalServices.kafka, topics: fixture.topics, base: base, baseModelSha256: Self.baseHash,
                                             artifacts: try ArtifactFolder(path: artifacts.root), inference: consumer)
        for event in Self.hostile(artifacts) {
            await #expect(throws: (any Error).self, "\(event.modelVersion)") { try await watcher.apply(event) }
        }
        // The good adapter, named by its path inside the folder or relative to it, is applied.
        try await watcher.apply(Self.published("v-good", path: artifacts.goodPath, hash: artifacts.good.contentHash))
        try await watcher.apply(Self.published("v-good-relative", path: "adapters/good.twlt", hash: artifacts.good.contentHash))
        await consumer.shutdown()
    }

    @Test("a run over a topic holding hostile events skips each of them and ends on the good champion, answering throughout")
    func runSkipsHostileEvents() async throws {
        let fixture = try await InferenceConsumerTests.Fixture("inf-watch-run")
        let base = try Corpus.generator.get()
        let artifacts = try Artifacts(base: base)
        defer { artifacts.remove() }
        let consumer = try fixture.consumer(generator: true)
        let serving = Task { try await consumer.run() }
        let producer = try KafkaProducer(configuration: LocalServices.kafka)
        let events = Self.hostile(artifacts) + [Self.published("v-good", path: artifacts.goodPath, hash: artifacts.good.contentHash)]
        try await producer.send(try events.map { try EventCodec.record($0, topic: fixture.topics.models, source: "tests") })
        await producer.shutdown()
        let watcher = try await ModelWatcher(kafka: LocalServices.kafka, topics: fixture.topics, base: base, baseModelSha256: Self.baseHash,
                                             artifacts: try ArtifactFolder(path: artifacts.root), inference: consumer)
        let watching = Task { try await watcher.run() }
        let client = try await QueryClient(kafka: LocalServices.kafka, topics: fixture.topics)
        var versions: [String] = []
        let deadline = ContinuousClock.now + .seconds(120)
        while versions.last != "v-good", ContinuousClock.now < deadline {
            let reply = try await client.ask(fixture.request("Where was the moth found?", retrievalOnly: false, maxTokens: 1),
                                             timeout: .seconds(120))
            #expect(reply.status == .ok)
            versions.append(reply.modelVersion ?? "")
        }
        #expect(versions.last == "v-good")
        #expect(Set(versions).isSubset(of: ["base-test", "v-good"]), "\(versions)")
        watching.cancel()
        _ = await watching.result
        await client.close()
        serving.cancel()
        _ = await serving.result
    }
}
