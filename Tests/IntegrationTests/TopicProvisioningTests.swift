import Logging
import Synchronization
import Testing
@testable import TwinlogKafka
import TwinlogTestSupport

@Suite("topics a run needs, created or waited for")
struct TopicProvisioningTests {
    @Test("ensureTopics creates the missing topics of a fresh namespace with their specs, and again is a no-op")
    func createsMissingTopics() async throws {
        let prefix = uniqueName("fresh") + "."
        let specs = [TopicSpec(name: prefix + "twin.documents", partitions: 3), TopicSpec(name: prefix + "twin.chunks", partitions: 2)]
        let admin = try KafkaAdmin(configuration: LocalServices.kafka)
        try await admin.ensureTopics(specs, logger: Logger(label: "test"))
        try await admin.ensureTopics(specs, logger: Logger(label: "test"))
        let found = try await admin.listTopics().filter { $0.name.hasPrefix(prefix) }
        #expect(found == [TopicMetadata(name: prefix + "twin.chunks", partitions: 2), TopicMetadata(name: prefix + "twin.documents", partitions: 3)])
        await admin.close()
    }

    @Test("a refused creation waits until someone allowed creates the topics, then returns", .timeLimit(.minutes(1)))
    func waitsForTopicsCreatedElsewhere() async throws {
        let names = [uniqueName("later-a"), uniqueName("later-b")]
        let admin = try KafkaAdmin(configuration: LocalServices.kafka)
        let refusal = KafkaError(code: KafkaError.topicAuthorizationFailed, message: "create topics: not authorized")
        #expect(refusal.isAuthorizationRefusal)
        #expect(!KafkaError(code: KafkaError.allBrokersDown, message: "down").isAuthorizationRefusal)
        let finished = Atomic<Bool>(false)
        let waiting = Task {
            try await admin.waitForTopics(names, logger: Logger(label: "test"), pollInterval: .milliseconds(100), refusal: refusal)
            finished.store(true, ordering: .releasing)
        }
        try await LocalServices.createTopics([TopicSpec(name: names[0], partitions: 1)])
        try await Task.sleep(for: .milliseconds(500))
        let finishedEarly = finished.load(ordering: .acquiring)
        #expect(!finishedEarly, "one of the two topics is still missing")
        try await LocalServices.createTopics([TopicSpec(name: names[1], partitions: 1)])
        try await waiting.value
        let finishedLater = finished.load(ordering: .acquiring)
        #expect(finishedLater)
        await admin.close()
    }
}
