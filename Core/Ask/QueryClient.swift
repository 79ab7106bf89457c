import Foundation
import TwinlogEvents
import TwinlogKafka
import TwinlogKafkaEvents

/// The asker's side of request/reply: sends QueryRequested to `twin.queries` with a fresh
/// correlation id and a `reply-to` topic, and waits for the reply that carries that id (handing
/// the answer's pieces to the asker first when the request streams). One client
/// serves many concurrent askers; replies for ids nobody waits for any more are ignored.
///
/// The client reads every partition of the reply topic from its end at creation (by explicit
/// offsets, so no reply sent after creation can be missed), outside any consumer group.
public final class QueryClient: Sendable {
    /// Why a question got no answer.
    public enum Failure: Error, CustomStringConvertible, Sendable {
        case timedOut(queryId: String, after: Duration)
        case closed
        case noReplyPartitions(topic: String)

        public var description: String {
            switch self {
            case .timedOut(let id, let after): "no reply to query \(id) within \(after)"
            case .closed: "the query client is closed"
            case .noReplyPartitions(let topic): "the reply topic \(topic) has no partitions"
            }
        }
    }

    private let topics: TopicCatalogue
    private let replyTopic: String
    private let producer: KafkaProducer
    private let consumer: KafkaConsumer
    private let waiting = Waiting()
    private let reader: Task<Void, Never>

    /// Connects to the cluster and starts reading replies. `replyTopic` defaults to `twin.replies`.
    public init(kafka: KafkaConfiguration, topics: TopicCatalogue, replyTopic: String? = nil) async throws {
        self.topics = topics
        let replyTopic = replyTopic ?? topics.replies
        self.replyTopic = replyTopic
        let admin = try KafkaAdmin(configuration: kafka)
        let ends = try await admin.endOffsets(topic: replyTopic)
        await admin.close()
        guard !ends.isEmpty else { throw Failure.noReplyPartitions(topic: replyTopic) }
        var options = KafkaConsumer.Options(groupId: "twinlog.asker.\(UUID().uuidString)")
        options.fetchMaxWait = .milliseconds(10)
        let consumer = try KafkaConsumer(configuration: kafka, options: options, assign: ends)
        self.consumer = consumer
        producer = try KafkaProducer(configuration: kafka)
        let waiting = self.waiting
        reader = Task {
            while !Task.isCancelled {
                guard let records = try? await consumer.poll(maxRecords: 500, timeout: .milliseconds(50)) else {
                    try? await Task.sleep(for: .milliseconds(100))
                    continue
                }
                for record in records {
                    guard let id = record.header("correlation-id")?.stringValue else { continue }
                    if EventCodec.eventType(of: record) == QueryAnswerPartial.eventType {
                        guard let partial = try? EventCodec.decode(record, as: QueryAnswerPartial.self).event else { continue }
                        waiting.deliver(.partial(partial), to: id)
                    } else if let reply = try? EventCodec.decode(record, as: QueryAnswered.self).event {
                        waiting.deliver(.answered(reply), to: id)
                    }
                }
            }
        }
    }

    /// Sends `request` and returns its reply, or throws `Failure.timedOut` after `timeout`.
    /// The request's deadline should not be later than now + timeout. When the request streams,
    /// `onPartial` receives the answer's pieces in order (each sequence number once), each with the
    /// text generated so far, before the reply is returned.
    public func ask(_ request: QueryRequested, timeout: Duration,
                    onPartial: @escaping @Sendable (_ piece: QueryAnswerPartial, _ textSoFar: String) async -> Void = { _, _ in })
        async throws -> QueryAnswered {
        let id = request.queryId
        let stream = waiting.register(id)
        defer { waiting.cancel(id) }
        let record = try EventCodec.record(request, topic: topics.queries, source: "twinlog/asker", headers: [
            KafkaHeader("correlation-id", id), KafkaHeader("reply-to", replyTopic),
        ])
        try await producer.send(record)
        return try await withThrowingTaskGroup(of: QueryAnswered?.self) { group in
            group.addTask {
                var next = 0
                var text = ""
                for await reply in stream {
                    switch reply {
                    case .answered(let answer): return answer
                    case .partial(let partial):
                        // A redelivered piece (the consumer re-answering after a crash) is skipped.
                        guard partial.sequence >= next else { continue }
                        next = partial.sequence + 1
                        text += partial.text
                        await onPartial(partial, text)
                    }
                }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let reply = first else { throw Failure.timedOut(queryId: id, after: timeout) }
            return reply
        }
    }

    /// Stops reading replies and closes the clients; waiting askers time out.
    public func close() async {
        reader.cancel()
        _ = await reader.value
        waiting.closeAll()
        await consumer.close()
        await producer.shutdown()
    }
}

/// What arrives for a query on the reply topic.
private enum Arrival: Sendable {
    case partial(QueryAnswerPartial)
    case answered(QueryAnswered)
}

/// Askers waiting for replies, by correlation id.
private final class Waiting: @unchecked Sendable {
    private let lock = NSLock()
    private var continuations: [String: AsyncStream<Arrival>.Continuation] = [:]

    func register(_ id: String) -> AsyncStream<Arrival> {
        let (stream, continuation) = AsyncStream<Arrival>.makeStream()
        lock.withLock { continuations[id] = continuation }
        return stream
    }

    func deliver(_ reply: Arrival, to id: String) {
        lock.withLock { continuations[id] }?.yield(reply)
    }

    func cancel(_ id: String) {
        lock.withLock { continuations.removeValue(forKey: id) }?.finish()
    }

    func closeAll() {
        let all = lock.withLock {
            defer { continuations.removeAll() }
            return Array(continuations.values)
        }
        for continuation in all { continuation.finish() }
    }
}
