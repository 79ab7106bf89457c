import Foundation
import Testing
import TwinlogKafka
import TwinlogTestSupport

@Suite("Kafka client against the local broker")
struct KafkaClientTests {
    @Test("a record round-trips through the broker with its key and headers")
    func roundTrip() async throws {
        let topic = uniqueName("roundtrip")
        try await LocalServices.createTopics([TopicSpec(name: topic, partitions: 1)])
        let producer = try KafkaProducer(configuration: LocalServices.kafka)
        let headers = [KafkaHeader("trace", "abc"), KafkaHeader("binary", [0, 255, 7]), KafkaHeader("empty", nil)]
        let report = try await producer.send(OutgoingRecord(topic: topic, key: "key-1", value: Array("value-1".utf8), headers: headers))
        #expect(report.topic == topic)
        #expect(report.offset == 0)

        let consumer = try KafkaConsumer(configuration: LocalServices.kafka, options: LocalServices.consumerOptions(group: topic), topics: [topic])
        let records = try await LocalServices.consume(consumer, count: 1)
        #expect(records.count == 1)
        let record = try #require(records.first)
        #expect(record.keyString == "key-1")
        #expect(record.value == Array("value-1".utf8))
        #expect(record.headers == headers)
        #expect(record.offset == 0)
        #expect(record.timestampMilliseconds != nil)
        await consumer.close()
        await producer.shutdown()
    }

    @Test("a tombstone (nil value) arrives as a record without a value, through the records sequence", .timeLimit(.minutes(1)))
    func tombstone() async throws {
        let topic = uniqueName("tombstone")
        try await LocalServices.createTopics([TopicSpec(name: topic, partitions: 1)])
        let producer = try KafkaProducer(configuration: LocalServices.kafka)
        try await producer.send(OutgoingRecord(topic: topic, key: "gone", value: nil))
        let consumer = try KafkaConsumer(configuration: LocalServices.kafka, options: LocalServices.consumerOptions(group: topic), topics: [topic])
        // Read through the AsyncSequence interface.
        var iterator = consumer.records.makeAsyncIterator()
        let record = try await iterator.next()
        #expect(record?.keyString == "gone")
        #expect(record != nil && record?.value == nil)
        await consumer.close()
    }

    @Test("a consumer group resumes from its committed offsets after a restart")
    func resumesFromCommitted() async throws {
        let topic = uniqueName("resume")
        try await LocalServices.createTopics([TopicSpec(name: topic, partitions: 2)])
        let producer = try KafkaProducer(configuration: LocalServices.kafka)
        try await producer.send((0..<10).map { OutgoingRecord(topic: topic, key: "k\($0)", value: Array("first-\($0)".utf8)) })

        let first = try KafkaConsumer(configuration: LocalServices.kafka, options: LocalServices.consumerOptions(group: topic), topics: [topic])
        let firstBatch = try await LocalServices.consume(first, count: 10)
        #expect(firstBatch.count == 10)
        try await first.commit(after: firstBatch)
        await first.close()

        try await producer.send((0..<5).map { OutgoingRecord(topic: topic, key: "k\($0)", value: Array("second-\($0)".utf8)) })
        let second = try KafkaConsumer(configuration: LocalServices.kafka, options: LocalServices.consumerOptions(group: topic), topics: [topic])
        let secondBatch = try await LocalServices.consume(second, count: 5)
        let extra = try await second.poll(maxRecords: 100, timeout: .milliseconds(500))
        let values = (secondBatch + extra).compactMap { $0.value.map { String(decoding: $0, as: UTF8.self) } }
        #expect(values.sorted() == (0..<5).map { "second-\($0)" }.sorted())
        await second.close()
    }

    @Test("a new group replays a topic from the earliest offset")
    func replayFromEarliest() async throws {
        let topic = uniqueName("replay")
        try await LocalServices.createTopics([TopicSpec(name: topic, partitions: 3)])
        let producer = try KafkaProducer(configuration: LocalServices.kafka)
        try await producer.send((0..<30).map { OutgoingRecord(topic: topic, key: "k\($0)", value: Array("v\($0)".utf8)) })

        let live = try KafkaConsumer(configuration: LocalServices.kafka, options: LocalServices.consumerOptions(group: topic + "-live"), topics: [topic])
        let liveRecords = try await LocalServices.consume(live, count: 30)
        try await live.commit(after: liveRecords)
        await live.close()

        // A replay: the stored offsets say "start from the beginning" for every assigned partition.
        let replay = try KafkaConsumer(configuration: LocalServices.kafka, options: LocalServices.consumerOptions(group: topic + "-live"),
                                       topics: [topic]) { partitions in
            Dictionary(uniqueKeysWithValues: partitions.map { ($0, KafkaOffset.beginning) })
        }
        let replayed = try await LocalServices.consume(replay, count: 30)
        #expect(Set(replayed.compactMap(\.keyString)) == Set((0..<30).map { "k\($0)" }))
        #expect(replayed.count == 30)
        await replay.close()
    }

    @Test("seek moves an assigned partition back to the beginning")
    func seekToBeginning() async throws {
        let topic = uniqueName("seek")
        try await LocalServices.createTopics([TopicSpec(name: topic, partitions: 1)])
        let producer = try KafkaProducer(configuration: LocalServices.kafka)
        try await producer.send((0..<5).map { OutgoingRecord(topic: topic, key: "k\($0)", value: Array("v\($0)".utf8)) })
        let consumer = try KafkaConsumer(configuration: LocalServices.kafka, options: LocalServices.consumerOptions(group: topic), topics: [topic])
        #expect(try await LocalServices.consume(consumer, count: 5).count == 5)
        try await consumer.seek([TopicPartition(topic, 0): KafkaOffset.beginning])
        let again = try await LocalServices.consume(consumer, count: 5)
        #expect(again.map(\.offset) == [0, 1, 2, 3, 4])
        await consumer.close()
    }

    @Test("a paused partition delivers nothing until it is resumed")
    func pauseResume() async throws {
        let topic = uniqueName("pause")
        try await LocalServices.createTopics([TopicSpec(name: topic, partitions: 2)])
        let consumer = try KafkaConsumer(configuration: LocalServices.kafka, options: LocalServices.consumerOptions(group: topic),
                                         assign: [TopicPartition(topic, 0): KafkaOffset.beginning, TopicPartition(topic, 1): KafkaOffset.beginning])
        let paused = TopicPartition(topic, 0)
        try await consumer.pause([paused])
        let producer = try KafkaProducer(configuration: LocalServices.kafka)
        for partition in Int32(0)..<2 {
            try await producer.send((0..<3).map { OutgoingRecord(topic: topic, key: nil, value: Array("\($0)".utf8), partition: partition) })
        }
        let whilePaused = try await LocalServices.consume(consumer, count: 3)
        let nothingMore = try await consumer.poll(maxRecords: 10, timeout: .milliseconds(500))
        #expect((whilePaused + nothingMore).allSatisfy { $0.partition == 1 })
        #expect((whilePaused + nothingMore).count == 3)
        try await consumer.resume([paused])
        let afterResume = try await LocalServices.consume(consumer, count: 3)
        #expect(afterResume.count == 3)
        #expect(afterResume.allSatisfy { $0.partition == 0 })
        await consumer.close()
    }

    @Test("two consumers in one group split the partitions between them")
    func groupSplitsPartitions() async throws {
        let topic = uniqueName("split")
        try await LocalServices.createTopics([TopicSpec(name: topic, partitions: 4)])
        let a = try KafkaConsumer(configuration: LocalServices.kafka, options: LocalServices.consumerOptions(group: topic), topics: [topic])
        let b = try KafkaConsumer(configuration: LocalServices.kafka, options: LocalServices.consumerOptions(group: topic), topics: [topic])
        var assignedA: [TopicPartition] = []
        var assignedB: [TopicPartition] = []
        let settled = try await eventually(timeout: .seconds(40)) {
            async let pollA = a.poll(maxRecords: 10, timeout: .milliseconds(100))
            async let pollB = b.poll(maxRecords: 10, timeout: .milliseconds(100))
            _ = try await (pollA, pollB)
            assignedA = try await a.assignment()
            assignedB = try await b.assignment()
            return assignedA.count + assignedB.count == 4 && !assignedA.isEmpty && !assignedB.isEmpty
        }
        #expect(settled, "assignments: \(assignedA) and \(assignedB)")
        #expect(Set(assignedA).isDisjoint(with: assignedB))
        #expect(Set(assignedA + assignedB) == Set((0..<4).map { TopicPartition(topic, $0) }))

        let producer = try KafkaProducer(configuration: LocalServices.kafka)
        try await producer.send((0..<40).map { OutgoingRecord(topic: topic, key: "key-\($0)", value: Array("\($0)".utf8)) })
        var seenA: [KafkaRecord] = []
        var seenB: [KafkaRecord] = []
        _ = try await eventually {
            seenA += try await a.poll(maxRecords: 100, timeout: .milliseconds(50))
            seenB += try await b.poll(maxRecords: 100, timeout: .milliseconds(50))
            return seenA.count + seenB.count >= 40
        }
        #expect(seenA.count + seenB.count == 40)
        #expect(seenA.allSatisfy { assignedA.contains($0.topicPartition) })
        #expect(seenB.allSatisfy { assignedB.contains($0.topicPartition) })
        await a.close()
        await b.close()
    }

    @Test("the idempotent producer writes every record exactly once")
    func idempotentProducerNoDuplicates() async throws {
        let topic = uniqueName("idempotent")
        try await LocalServices.createTopics([TopicSpec(name: topic, partitions: 2)])
        var options = KafkaProducer.Options()
        options.lingerMilliseconds = 1
        let producer = try KafkaProducer(configuration: LocalServices.kafka, options: options)
        let count = 2000
        let reports = try await producer.send((0..<count).map { OutgoingRecord(topic: topic, key: "k\($0 % 50)", value: Array("\($0)".utf8)) })
        #expect(reports.count == count)
        #expect(Set(reports.map { "\($0.partition):\($0.offset)" }).count == count)

        let consumer = try KafkaConsumer(configuration: LocalServices.kafka, options: LocalServices.consumerOptions(group: topic), topics: [topic])
        let records = try await LocalServices.consume(consumer, count: count)
        let values = records.compactMap { $0.value.map { String(decoding: $0, as: UTF8.self) } }
        #expect(values.count == count)
        #expect(Set(values).count == count)
        await consumer.close()
    }

    @Test("an unreachable broker fails within the request timeout, naming the brokers", .timeLimit(.minutes(1)))
    func unreachableBroker() async throws {
        let admin = try KafkaAdmin(configuration: KafkaConfiguration(brokers: "127.0.0.1:9", requestTimeout: .seconds(2)))
        await #expect {
            _ = try await admin.listTopics()
        } throws: { error in
            "\(error)".contains("127.0.0.1:9")
        }
    }

    @Test("an invalid librdkafka property is rejected with its name")
    func invalidProperty() {
        #expect {
            _ = try KafkaProducer(configuration: KafkaConfiguration(brokers: LocalServices.brokers, properties: ["linger.ms": "soon"]))
        } throws: { error in
            "\(error)".contains("linger.ms")
        }
    }

    @Test("admin creates, lists and deletes topics with their partition counts")
    func adminTopics() async throws {
        try LocalServices.requireKafka()
        let name = uniqueName("admin")
        let admin = try KafkaAdmin(configuration: LocalServices.kafka)
        try await admin.createTopics([TopicSpec(name: name, partitions: 3, configs: ["retention.ms": "3600000"])])
        try await admin.createTopics([TopicSpec(name: name, partitions: 3)], ifNotExists: true)
        let listed = try await admin.listTopics().first { $0.name == name }
        #expect(listed?.partitions == 3)
        try await admin.deleteTopics([name])
        let gone = try await eventually(timeout: .seconds(10)) {
            try await !admin.listTopics().contains { $0.name == name }
        }
        #expect(gone)
    }
}

@Suite("Kafka consumer by assignment")
struct KafkaAssignmentTests {
    @Test("an assigned consumer reads exactly the partitions it was given, from the given offsets")
    func assignedPartitions() async throws {
        let topic = uniqueName("assign")
        try await LocalServices.createTopics([TopicSpec(name: topic, partitions: 2)])
        let producer = try KafkaProducer(configuration: LocalServices.kafka)
        for partition in Int32(0)..<2 {
            try await producer.send((0..<5).map { OutgoingRecord(topic: topic, key: nil, value: Array("p\(partition)-\($0)".utf8), partition: partition) })
        }
        let consumer = try KafkaConsumer(configuration: LocalServices.kafka, options: LocalServices.consumerOptions(group: topic),
                                         assign: [TopicPartition(topic, 1): 2])
        let records = try await LocalServices.consume(consumer, count: 3)
        let extra = try await consumer.poll(maxRecords: 10, timeout: .milliseconds(300))
        #expect((records + extra).map { String(decoding: $0.value ?? [], as: UTF8.self) } == ["p1-2", "p1-3", "p1-4"])
        await consumer.close()
    }
}
