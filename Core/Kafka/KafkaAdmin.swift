import CRdKafka
import Logging
import Synchronization
import TwinlogRuntime

/// What a topic should look like: name, partition count, replication and topic configs
/// (`cleanup.policy`, `retention.ms`, …).
public struct TopicSpec: Sendable, Equatable {
    public var name: String
    public var partitions: Int32
    public var replicationFactor: Int32
    public var configs: [String: String]

    public init(name: String, partitions: Int32, replicationFactor: Int32 = 1, configs: [String: String] = [:]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.configs = configs
    }
}

/// A topic as the cluster reports it.
public struct TopicMetadata: Sendable, Equatable {
    public var name: String
    public var partitions: Int32
}

/// Cluster administration: topics, watermarks, consumer groups and their committed offsets.
/// Every call is bounded by the configuration's request timeout and runs off the cooperative pool.
public final class KafkaAdmin: Sendable {
    private let handle: Handle
    private let executor = BlockingExecutor(label: "twinlog.kafka.admin")
    private let destroyed = Atomic<Bool>(false)
    public let configuration: KafkaConfiguration

    public init(configuration: KafkaConfiguration) throws(KafkaError) {
        self.configuration = configuration
        var properties = configuration.baseProperties
        properties += configuration.properties.sorted { $0.key < $1.key }
        handle = try makeHandle(RD_KAFKA_PRODUCER, conf: try makeConf(properties), properties: properties)
    }

    deinit {
        guard !destroyed.load(ordering: .acquiring) else { return }
        // rd_kafka_destroy joins librdkafka's threads: never on the thread that released us.
        let handle = self.handle
        executor.submit { rd_kafka_destroy(handle.pointer) }
    }

    /// Releases the client before returning, so a process can exit right after. Later calls fail.
    public func close() async {
        await executor.run { [self] in
            guard !destroyed.exchange(true, ordering: .acquiringAndReleasing) else { return }
            rd_kafka_destroy(handle.pointer)
        }
    }

    /// Throws when the client was closed; call first inside every executor block.
    private func checkOpen() throws {
        if destroyed.load(ordering: .acquiring) { throw KafkaError.client("the admin client is closed") }
    }

    /// The topics in the cluster (internal `__` topics excluded), sorted by name. An unreachable
    /// cluster fails within the request timeout with an error naming the brokers tried.
    public func listTopics() async throws -> [TopicMetadata] {
        try await metadata().map { $0 }.filter { !$0.name.hasPrefix("__") }.sorted { $0.name < $1.name }
    }

    /// Creates `topics`; those that already exist are left as they are when `ifNotExists`.
    public func createTopics(_ topics: [TopicSpec], ifNotExists: Bool = true) async throws {
        guard !topics.isEmpty else { return }
        try await adminCall(expecting: RD_KAFKA_EVENT_CREATETOPICS_RESULT, what: "create topics") { handle, options, queue in
            var errstr = [CChar](repeating: 0, count: 512)
            var newTopics: [OpaquePointer?] = []
            defer { newTopics.forEach { rd_kafka_NewTopic_destroy($0) } }
            for spec in topics {
                guard let topic = rd_kafka_NewTopic_new(spec.name, spec.partitions, spec.replicationFactor, &errstr, errstr.count) else {
                    throw KafkaError.client("topic \(spec.name): \(cString(errstr))")
                }
                newTopics.append(topic)
                for (key, value) in spec.configs.sorted(by: { $0.key < $1.key }) {
                    rd_kafka_NewTopic_set_config(topic, key, value)
                }
            }
            rd_kafka_CreateTopics(handle, &newTopics, newTopics.count, options, queue)
        } result: { event in
            var count = 0
            let results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count)
            try checkTopicResults(results, count, tolerate: ifNotExists ? [RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS] : [], action: "create")
        }
    }

    /// Makes sure `topics` exist before consumers subscribe to them: creates the missing ones with
    /// their specs. When the cluster refuses to create them (an ACL), waits for someone with the
    /// rights to do it instead, saying which topics are missing every `pollInterval`; any other
    /// failure (an unreachable cluster) is thrown. Returns once every topic exists.
    public func ensureTopics(_ topics: [TopicSpec], logger: Logger, pollInterval: Duration = .seconds(5)) async throws {
        do {
            try await createTopics(topics)
            return
        } catch let error as KafkaError where error.isAuthorizationRefusal {
            try await waitForTopics(topics.map(\.name), logger: logger, pollInterval: pollInterval, refusal: error)
        }
    }

    /// Polls the cluster until every topic in `names` exists, logging the missing ones.
    func waitForTopics(_ names: [String], logger: Logger, pollInterval: Duration, refusal: KafkaError) async throws {
        while true {
            let present = Set(try await listTopics().map(\.name))
            let missing = names.filter { !present.contains($0) }
            if missing.isEmpty { return }
            logger.warning("waiting for topics to be created by someone allowed to: creating them was refused",
                           metadata: ["missing": "\(missing.joined(separator: ", "))", "refusal": "\(refusal)"])
            try await Task.sleep(for: pollInterval)
        }
    }

    /// Deletes `names`; missing topics are ignored when `ifExists`.
    public func deleteTopics(_ names: [String], ifExists: Bool = true) async throws {
        guard !names.isEmpty else { return }
        try await adminCall(expecting: RD_KAFKA_EVENT_DELETETOPICS_RESULT, what: "delete topics") { handle, options, queue in
            var deletes: [OpaquePointer?] = names.map { rd_kafka_DeleteTopic_new($0) }
            defer { deletes.forEach { rd_kafka_DeleteTopic_destroy($0) } }
            rd_kafka_DeleteTopics(handle, &deletes, deletes.count, options, queue)
        } result: { event in
            var count = 0
            let results = rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(event), &count)
            try checkTopicResults(results, count, tolerate: ifExists ? [RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART] : [], action: "delete")
        }
    }

    /// The low (earliest retained) and high (next to be written) offsets of one partition.
    public func watermarks(_ tp: TopicPartition) async throws -> (low: Int64, high: Int64) {
        let handle = self.handle
        let timeout = configuration.requestTimeoutMilliseconds
        return try await executor.run { [self] in
            try checkOpen()
            var low: Int64 = 0
            var high: Int64 = 0
            let err = rd_kafka_query_watermark_offsets(handle.pointer, tp.topic, tp.partition,
                                                       &low, &high, timeout)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, "watermarks of \(tp)") }
            return (low, high)
        }
    }

    /// The high watermark of every partition of `topic`.
    public func endOffsets(topic: String) async throws -> [TopicPartition: Int64] {
        guard let meta = try await metadata().first(where: { $0.name == topic }) else {
            throw KafkaError(code: KafkaError.unknownTopic, message: "topic \(topic) does not exist", isRetriable: false)
        }
        var ends: [TopicPartition: Int64] = [:]
        for partition in 0..<meta.partitions {
            let tp = TopicPartition(topic, partition)
            ends[tp] = try await watermarks(tp).high
        }
        return ends
    }

    /// The ids of the consumer groups the cluster knows.
    public func listGroups() async throws -> [String] {
        try await adminCall(expecting: RD_KAFKA_EVENT_LISTCONSUMERGROUPS_RESULT, what: "list consumer groups") { handle, options, queue in
            rd_kafka_ListConsumerGroups(handle, options, queue)
        } result: { event in
            let result = rd_kafka_event_ListConsumerGroups_result(event)
            var count = 0
            let groups = rd_kafka_ListConsumerGroups_result_valid(result, &count)
            return (0..<count).compactMap { i in groups?[i].map { String(cString: rd_kafka_ConsumerGroupListing_group_id($0)) } }.sorted()
        }
    }

    /// The offsets `group` committed to Kafka, per partition.
    public func committedOffsets(group: String) async throws -> [TopicPartition: Int64] {
        try await adminCall(expecting: RD_KAFKA_EVENT_LISTCONSUMERGROUPOFFSETS_RESULT, what: "list offsets of group \(group)") { handle, options, queue in
            var request: OpaquePointer? = rd_kafka_ListConsumerGroupOffsets_new(group, nil)
            defer { rd_kafka_ListConsumerGroupOffsets_destroy(request) }
            rd_kafka_ListConsumerGroupOffsets(handle, &request, 1, options, queue)
        } result: { event in
            var count = 0
            let groups = rd_kafka_ListConsumerGroupOffsets_result_groups(rd_kafka_event_ListConsumerGroupOffsets_result(event), &count)
            var offsets: [TopicPartition: Int64] = [:]
            for i in 0..<count {
                guard let result = groups?[i], let list = rd_kafka_group_result_partitions(result) else { continue }
                for (tp, offset, err) in readPartitionList(list) where err == RD_KAFKA_RESP_ERR_NO_ERROR && offset >= 0 {
                    offsets[tp] = offset
                }
            }
            return offsets
        }
    }

    private func metadata() async throws -> [TopicMetadata] {
        let handle = self.handle
        let timeout = configuration.requestTimeoutMilliseconds
        let brokers = configuration.brokers
        return try await executor.run { [self] in
            try checkOpen()
            var meta: UnsafePointer<rd_kafka_metadata>?
            let err = rd_kafka_metadata(handle.pointer, 1, nil, &meta, timeout)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let meta else {
                throw KafkaError(err, "read cluster metadata from \(brokers)")
            }
            defer { rd_kafka_metadata_destroy(meta) }
            return (0..<Int(meta.pointee.topic_cnt)).map { i in
                let topic = meta.pointee.topics[i]
                return TopicMetadata(name: String(cString: topic.topic), partitions: topic.partition_cnt)
            }
        }
    }

    /// Runs one admin request: `start` issues it on a temporary queue, the result event is awaited
    /// within the request timeout, checked for a request-level error and handed to `result`.
    private func adminCall<T: Sendable>(
        expecting type: Int32, what: String,
        start: @escaping @Sendable (OpaquePointer, OpaquePointer?, OpaquePointer) throws -> Void,
        result: @escaping @Sendable (OpaquePointer) throws -> T
    ) async throws -> T {
        let handle = self.handle
        let timeout = configuration.requestTimeoutMilliseconds
        let brokers = configuration.brokers
        return try await executor.run { [self] in
            try checkOpen()
            let queue = rd_kafka_queue_new(handle.pointer)!
            defer { rd_kafka_queue_destroy(queue) }
            let options = rd_kafka_AdminOptions_new(handle.pointer, RD_KAFKA_ADMIN_OP_ANY)
            defer { rd_kafka_AdminOptions_destroy(options) }
            var errstr = [CChar](repeating: 0, count: 512)
            rd_kafka_AdminOptions_set_request_timeout(options, timeout, &errstr, errstr.count)
            try start(handle.pointer, options, queue)
            // The request timeout bounds the call; allow a little slack for the result event itself.
            guard let event = rd_kafka_queue_poll(queue, timeout + 1000) else {
                throw KafkaError(code: KafkaError.timedOut, message: "\(what): no answer from \(brokers) within \(timeout) ms")
            }
            defer { rd_kafka_event_destroy(event) }
            let err = rd_kafka_event_error(event)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                throw KafkaError(code: err.rawValue, message: "\(what) via \(brokers): \(String(cString: rd_kafka_event_error_string(event)))")
            }
            guard rd_kafka_event_type(event) == type else { throw KafkaError.client("\(what): unexpected event type") }
            return try result(event)
        }
    }
}

private func checkTopicResults(_ results: UnsafeMutablePointer<OpaquePointer?>?, _ count: Int,
                               tolerate: Set<rd_kafka_resp_err_t>, action: String) throws {
    for i in 0..<count {
        guard let result = results?[i] else { continue }
        let err = rd_kafka_topic_result_error(result)
        if err == RD_KAFKA_RESP_ERR_NO_ERROR || tolerate.contains(err) { continue }
        let name = String(cString: rd_kafka_topic_result_name(result))
        let detail = rd_kafka_topic_result_error_string(result).map { String(cString: $0) } ?? ""
        throw KafkaError(code: err.rawValue, message: "\(action) topic \(name): \(detail)")
    }
}
