import Foundation
import Logging
import ServiceLifecycle
import TwinlogEmbedding
import TwinlogEvents
import TwinlogGeneration
import TwinlogIndex
import TwinlogKafka
import TwinlogKafkaEvents
import TwinlogRAG
import TwinlogRuntime
import TwinlogSink
import TwinlogText

/// Answers QueryRequested events from `twin.queries` on the topic each names in its `reply-to`
/// header, with the same `correlation-id`: an answer with its sources, or an error reply
/// (invalid request, deadline exceeded, failed) — never silence while a usable reply-to is known.
/// A request with `stream` gets its answer's pieces first, as QueryAnswerPartial events on the same
/// topic, at most one per `partialInterval` (the first as soon as there is text).
///
/// A reply-to must be a topic name starting with `replyTopicPrefix`; any other goes, with the
/// request, to `twin.dlq.inference` and nothing is written to it. The replies' producer never
/// creates topics, and a reply that cannot be delivered (its topic is missing, say) is that
/// request's failure, not the service's: the request is dead-lettered with the reason and the
/// batch is committed.
///
/// Instances scale out by partitions in one consumer group; each holds a full index replica
/// (passed in, kept current by the index materializer). Offsets are committed to Kafka after the
/// batch's replies were acknowledged (or dead-lettered), so a crash re-answers a request rather
/// than dropping it; askers ignore replies they no longer wait for. Malformed requests also go to
/// `twin.dlq.inference`.
public final class InferenceConsumer: Service {
    /// What the consumer connects to and how it answers.
    public struct Configuration: ConsumerConfiguration {
        /// The broker, topics, group (default `twinlog.inference`, with a 15-minute poll
        /// interval), batch size and observers. Requests per poll (16): generations run one after
        /// another before the next poll, so the batch times the generation limit must stay under
        /// the group's poll interval.
        public var common: ConsumerSettings
        public var retrieval = RetrievalOptions()
        public var guardrails = Guardrails()
        public var prompt = AnswerPrompt()
        /// The longest a generation may run, whatever the request's deadline.
        public var maxGenerationTime: Duration = .seconds(30)
        /// How answers are decoded unless the request's `decoding` says otherwise: greedy, with a
        /// 1.1 repetition penalty over the last 64 tokens and no repeated 4-gram of its own.
        public var decoding = SamplingOptions(repetitionPenalty: 1.1, penaltyWindow: 64, noRepeatNgramSize: 4)
        /// Whether an answer stops where it starts repeating itself: at a sentence that repeats an
        /// earlier one, or before a run of four words comes round the third time (the repeat is cut).
        public var stopAtRepeats = true
        /// Evidence, the support check and the abstention applied to every generated answer.
        public var grounding = Grounding()
        /// Replies go only to topics whose name starts with this (default: the catalogue's
        /// `twin.replies`, which `twinlog ask`, the gateway and the demo answer on).
        public var replyTopicPrefix: String
        /// The replies' producer. It never creates a topic (`allow.auto.create.topics` false), and
        /// waits `topic.metadata.propagation.max.ms` (5 s) for a missing one before the reply fails.
        public var producer = KafkaProducer.Options()

        public init(kafka: KafkaConfiguration, topics: TopicCatalogue, groupId: String? = nil) {
            common = ConsumerSettings(name: InferenceConsumer.consumerName, kafka: kafka, topics: topics, groupId: groupId, maxBatch: 16,
                                      pollTimeout: .milliseconds(100))
            common.consumer.properties["max.poll.interval.ms"] = "900000"
            replyTopicPrefix = topics.replies
            producer.properties["allow.auto.create.topics"] = "false"
            producer.properties["topic.metadata.propagation.max.ms"] = "5000"
        }
    }

    /// The headers of the request/reply protocol.
    public enum Header {
        public static let correlationId = "correlation-id"
        public static let replyTo = "reply-to"
    }

    /// The name under which the consumer dead-letters.
    public static let consumerName = "inference"
    private let configuration: Configuration
    private let answerer: QueryAnswerer
    private let runtime: ConsumerRuntime<QueryAnswerer>

    /// Joins the consumer group. `generator` may be nil for a retrieval-only deployment.
    public init(_ configuration: Configuration, index: VectorIndex, embedder: Embedder,
                generator: Generator?, modelVersion: String = "base") throws {
        self.configuration = configuration
        let producer = try KafkaProducer(configuration: configuration.kafka, options: configuration.producer)
        answerer = QueryAnswerer(configuration, producer: producer, index: index, embedder: embedder, generator: generator,
                                 modelVersion: modelVersion)
        runtime = try ConsumerRuntime(settings: configuration.common, source: .group(topics: [configuration.topics.queries]),
                                      offsets: .kafka, handler: answerer, producer: producer)
    }

    /// Swaps in another generator (a new adapter) between requests; requests in flight finish
    /// with the one they started with.
    public func swapModel(_ generator: Generator, version: String) {
        answerer.model.set(generator, version: version)
        configuration.logger.info("model swapped", metadata: ["version": "\(version)"])
    }

    /// Answers batches until the task is cancelled or a graceful shutdown begins (every request
    /// of the batch in flight is answered and committed first), then leaves the group.
    public func run() async throws { try await runtime.run() }

    /// Polls one batch, answers every request in it, and commits its offsets; returns the number
    /// of records.
    @discardableResult
    public func step(timeout: Duration = .milliseconds(100)) async throws -> Int {
        try await runtime.step(timeout: timeout).records
    }

    /// Leaves the group and flushes the producer.
    public func shutdown() async { await runtime.shutdown() }

    /// Why `topic` may not receive replies, or nil when it may: it must be a legal Kafka topic
    /// name (1–249 of letters, digits, `.`, `_`, `-`) that starts with `prefix`.
    static func replyTopicRefusal(_ topic: String, prefix: String) -> String? {
        let legal = !topic.isEmpty && topic.utf8.count <= 249
            && topic.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0) }
        guard legal else { return "the \(Header.replyTo) header \(topic.prefix(300).debugDescription) is not a legal topic name" }
        guard topic.hasPrefix(prefix) else {
            return "the \(Header.replyTo) topic \(topic) does not start with the allowed reply topic prefix \(prefix)"
        }
        return nil
    }
}

/// The inference consumer's handler: a request is admitted (or answered at once with an error,
/// or dead-lettered), and a batch of admitted requests retrieved together and answered one by
/// one, each reply sent as soon as it is ready.
final class QueryAnswerer: ConsumerHandler {
    typealias Outcome = NoEffects

    /// Questions are logged with e-mail addresses, phone numbers and URLs masked.
    private static let logMasking = TextCleaner(masking: .all)
    private let configuration: InferenceConsumer.Configuration
    private let producer: KafkaProducer
    private let index: VectorIndex
    private let embedder: Embedder
    let model: ModelSlot
    /// The base model reading filters, when `retrieval.selfQueryModel` is on and there is a model.
    private let selfQueryModel: ModelSelfQuery?
    /// Generation is CPU-bound and blocking: it runs here, one at a time, off the cooperative pool.
    private let generationExecutor = BlockingExecutor(label: "twinlog.inference.generate")

    init(_ configuration: InferenceConsumer.Configuration, producer: KafkaProducer, index: VectorIndex, embedder: Embedder,
         generator: Generator?, modelVersion: String) {
        self.configuration = configuration
        self.producer = producer
        self.index = index
        self.embedder = embedder
        model = ModelSlot(generator: generator, version: modelVersion)
        selfQueryModel = configuration.retrieval.selfQueryModel ? generator.map(ModelSelfQuery.init) : nil
    }

    func decode(_ record: KafkaRecord) throws -> Admission? { admit(record) }

    /// Offsets are committed to Kafka, not stored here.
    func storedOffsets(_ partitions: [TopicPartition]) async throws -> [TopicPartition: Int64] { [:] }

    /// Answers every request of the batch. Retrieval for the whole batch shares one embedder
    /// call; generations run one after another, each reply sent as soon as it is ready. A reply
    /// that fails to be delivered dead-letters its request; only a dead letter that fails fails
    /// the batch.
    func apply(_ batch: ConsumerBatch<Admission>) async throws -> Outcome {
        var replies: [(record: KafkaRecord, topic: String, delivery: PendingDelivery)] = []
        var accepted: [Accepted] = []
        for (record, admission) in batch.inputs {
            switch admission {
            case .done(let reply, let reason):
                if let reason { try await batch.deadLetter(record, reason: reason) }
                if let reply { replies.append((record, reply.topic, try await producer.enqueue([reply]))) }
            case .work(let work): accepted.append(work)
            }
        }
        if !accepted.isEmpty {
            for (work, answer) in await answer(accepted) {
                let outgoing = reply(await answer(), to: work.replyTo, correlationId: work.correlationId)
                replies.append((work.record, work.replyTo, try await producer.enqueue([outgoing])))
            }
        }
        for (record, topic, delivery) in replies {
            do { try await delivery.delivered() } catch {
                try await batch.deadLetter(record, reason: "the reply to \(topic) could not be delivered: \(error)")
            }
        }
        return Outcome()
    }

    /// A valid request that passed the deadline and guardrail checks, with where to answer.
    struct Accepted: Sendable {
        var record: KafkaRecord
        var request: QueryRequested
        /// The request's explicit time range, checked.
        var dates: Range<Date>?
        var flags: [String]
        var replyTo: String
        var correlationId: String
        var received: ContinuousClock.Instant
    }

    enum Admission: Sendable {
        /// Answered without work: an error reply, a dead letter (its reason), or both.
        case done(reply: OutgoingRecord?, deadLetter: String?)
        case work(Accepted)
    }

    /// Decodes and checks one record: a request without a usable reply-to is dead-lettered and
    /// gets no reply; an invalid request gets an error reply (when it says where) and a dead letter;
    /// an expired or refused one an error reply; the rest is accepted.
    private func admit(_ record: KafkaRecord) -> Admission {
        let correlationId = record.header(InferenceConsumer.Header.correlationId)?.stringValue
        let replyTo = record.header(InferenceConsumer.Header.replyTo)?.stringValue
        let replyRefusal = replyTo.flatMap { InferenceConsumer.replyTopicRefusal($0, prefix: configuration.replyTopicPrefix) }
        let request: QueryRequested
        let dates: Range<Date>?
        do {
            request = try EventCodec.decode(record, as: QueryRequested.self).event
            dates = try request.dates()
        } catch {
            let reason = "invalid query request: \(error)"
            guard replyRefusal == nil, let replyTo, let correlationId else {
                return .done(reply: nil, deadLetter: [reason, replyRefusal].compactMap { $0 }.joined(separator: "; "))
            }
            return .done(reply: reply(QueryAnswered(queryId: correlationId, status: .invalidRequest, error: reason),
                                      to: replyTo, correlationId: correlationId),
                         deadLetter: reason)
        }
        guard let replyTo else {
            return .done(reply: nil, deadLetter: "query \(request.queryId) has no \(InferenceConsumer.Header.replyTo) header; nowhere to answer")
        }
        if let replyRefusal {
            return .done(reply: nil, deadLetter: "query \(request.queryId): \(replyRefusal); not answered")
        }
        let correlation = correlationId ?? request.queryId
        guard request.deadline > Date() else {
            let expired = QueryAnswered(queryId: request.queryId, status: .deadlineExceeded,
                                        error: "the deadline \(EventTime.format(request.deadline)) passed before work began")
            return .done(reply: reply(expired, to: replyTo, correlationId: correlation), deadLetter: nil)
        }
        let verdict = configuration.guardrails.inspect(request.question)
        if let refusal = verdict.refusal {
            let refused = QueryAnswered(queryId: request.queryId, status: .invalidRequest, error: refusal, flags: verdict.flags)
            return .done(reply: reply(refused, to: replyTo, correlationId: correlation), deadLetter: nil)
        }
        configuration.logger.info("query", metadata: ["id": "\(request.queryId)", "question": "\(Self.logMasking.clean(request.question))"])
        return .work(Accepted(record: record, request: request, dates: dates, flags: verdict.flags, replyTo: replyTo,
                              correlationId: correlation, received: ContinuousClock.now))
    }

    /// Retrieves for every accepted request at once; each answer is finished (generated) when its
    /// closure is awaited, so replies leave one by one.
    private func answer(_ accepted: [Accepted]) async -> [(Accepted, () async -> QueryAnswered)] {
        let embedder = self.embedder
        let retriever = Retriever(index: index, options: configuration.retrieval, selfQueryModel: selfQueryModel) { texts in
            await embedder.embed(texts)
        }
        let requests = accepted.map { work in
            RetrievalRequest(question: work.request.question, authorId: work.request.authorId, platform: work.request.platform?.rawValue,
                             kind: work.request.kind?.rawValue, dates: work.dates, k: work.request.k)
        }
        let retrievals: [Retrieval]
        do {
            retrievals = try await retriever.retrieve(requests)
        } catch {
            return accepted.map { work in
                (work, { QueryAnswered(queryId: work.request.queryId, status: .failed, error: "retrieval failed: \(error)", flags: work.flags) })
            }
        }
        return zip(accepted, retrievals).map { work, retrieval in (work, { await self.finish(work, retrieval, retriever: retriever) }) }
    }

    /// Turns a retrieval into the reply: the sources alone; the abstention, at once, when they do
    /// not answer the question; or an answer generated within the deadline and the generation time
    /// limit and grounded in them.
    private func finish(_ work: Accepted, _ retrieval: Retrieval, retriever: Retriever) async -> QueryAnswered {
        let request = work.request
        let clock = ContinuousClock()
        var timings = retrieval.timings
        let sources = retrieval.chunks.map(Self.source)
        var flags = work.flags + retrieval.flags
        var evidence: [QueryAnswered.Evidence] = []
        let report = Self.report(retrieval)
        func failure(_ status: QueryAnswered.Status, _ error: String, version: String? = nil) -> QueryAnswered {
            QueryAnswered(queryId: request.queryId, status: status, error: error, sources: sources, modelVersion: version,
                          timings: timings, flags: flags, retrieval: report)
        }
        let current = model.current()
        var answer: String?
        if !request.retrievalOnly {
            guard let generator = current.generator else { return failure(.failed, "this instance has no language model loaded") }
            guard request.deadline.timeIntervalSinceNow > 0 else {
                return failure(.deadlineExceeded, "the deadline passed before generation began")
            }
            let sampling: SamplingOptions
            do { sampling = try Self.sampling(configuration.decoding, overriddenBy: request.decoding) } catch {
                return failure(.invalidRequest, "decoding: \(error)")
            }
            // The evidence and whether it answers come first: a question the sources do not answer
            // gets the abstention at once, without text that would be thrown away.
            let payloads = retrieval.chunks.map(\.payload)
            let embedder = self.embedder
            let assessing = clock.now
            let assessment: Grounding.Assessment
            do {
                // The repository-name searches serve only the names check.
                let repositoryNames = configuration.grounding.checksNames
                    ? try retriever.repositoryNames(question: request.question, chunks: payloads) : []
                assessment = try await configuration.grounding.assess(question: request.question, sources: payloads,
                                                                    comparing: retrieval.comparedSources,
                                                                    repositoryNames: repositoryNames) { await embedder.embed($0) }
            } catch {
                return failure(.failed, "grounding the answer failed: \(error)", version: current.version)
            }
            var groundingTime = clock.now - assessing
            var generated = ""
            if assessment.answers {
                switch await generate(work, retrieval: retrieval, generator: generator, sampling: sampling) {
                case .success(let result):
                    generated = result.text
                    timings["generate"] = result.time.inMilliseconds
                    if let firstToken = result.firstToken { timings["first_token"] = (firstToken - work.received).inMilliseconds }
                case .failure(let error):
                    return failure(error.status, error.message, version: current.version)
                }
            }
            let deciding = clock.now
            let grounded = configuration.grounding.decide(question: request.question, generated: generated, sources: payloads,
                                                          assessment: assessment)
            groundingTime += clock.now - deciding
            answer = grounded.answer
            evidence = grounded.evidence.map { quote in
                QueryAnswered.Evidence(source: quote.source, text: quote.text, score: (min(1, max(0, quote.score)) * 1000).rounded() / 1000)
            }
            switch grounded.kind {
            case .generated: break
            case .extractive: flags.append("extractive")
            case .abstained: flags.append("unsupported")
            }
            timings["ground"] = groundingTime.inMilliseconds
        }
        timings["total"] = (clock.now - work.received).inMilliseconds
        return QueryAnswered(queryId: request.queryId, status: .ok, answer: answer, sources: sources,
                             modelVersion: request.retrievalOnly ? nil : current.version, timings: timings, flags: flags,
                             retrieval: report, evidence: evidence.isEmpty ? nil : evidence)
    }

    /// Why an answer could not be generated: the reply's status and error.
    private struct GenerationFailure: Error {
        var status: QueryAnswered.Status
        var message: String
    }

    /// A generated answer: its text, how long generating took and when its first token came.
    private struct GeneratedAnswer {
        var text: String
        var time: Duration
        var firstToken: ContinuousClock.Instant?
    }

    /// Generates the answer to `work`'s question from its retrieved chunks within what is left of
    /// the deadline and the generation time limit, streaming partial replies when the asker wants them.
    private func generate(_ work: Accepted, retrieval: Retrieval, generator: Generator,
                          sampling: SamplingOptions) async -> Result<GeneratedAnswer, GenerationFailure> {
        let request = work.request
        let remaining = request.deadline.timeIntervalSinceNow
        guard remaining > 0 else { return .failure(GenerationFailure(status: .deadlineExceeded, message: "the deadline passed before generation began")) }
        let promptIDs: [Int]
        do {
            promptIDs = try configuration.prompt.build(question: request.question, chunks: retrieval.chunks,
                                                       tokenizer: generator.tokenizer).ids
        } catch {
            return .failure(GenerationFailure(status: .failed, message: "the answer prompt: \(error)"))
        }
        let limits = GenerationLimits(
            maxTokens: request.maxTokens,
            timeLimit: Duration.seconds(clamping: remaining, to: configuration.maxGenerationTime) ?? .zero,
            stopAtRepeatedSentence: request.decoding?.stopRepeatedSentence ?? configuration.stopAtRepeats,
            stopAtRepeatedPhrase: request.decoding?.stopRepeatedSentence ?? configuration.stopAtRepeats)
        let started = ContinuousClock.now
        let partials = request.stream == true ? startPartials(for: work) : nil
        do {
            let (text, firstToken) = try await generationExecutor.run {
                var first: ContinuousClock.Instant?
                var pending = ""
                var lastSent: ContinuousClock.Instant?
                let interval = Self.partialInterval
                let text = try generator.generate(promptIDs: promptIDs, sampling: sampling, limits: limits) { token in
                    let now = ContinuousClock.now
                    if first == nil { first = now }
                    if let partials {
                        pending += token.text
                        if !pending.isEmpty, lastSent.map({ now - $0 >= interval }) ?? true {
                            partials.texts.yield(pending)
                            pending = ""
                            lastSent = now
                        }
                    }
                    return true
                }.text
                if let partials, !pending.isEmpty { partials.texts.yield(pending) }
                return (text, first)
            }
            await partials?.finish()
            return .success(GeneratedAnswer(text: text, time: ContinuousClock.now - started, firstToken: firstToken))
        } catch {
            await partials?.finish()
            return .failure(GenerationFailure(status: .failed, message: "generation failed: \(error)"))
        }
    }

    /// The least time between two partial replies; the first goes as soon as there is text.
    static let partialInterval: Duration = .milliseconds(50)

    /// Where a streaming answer's pieces go: `texts` takes them (from the generation thread, never
    /// blocking it), and a task enqueues each as a QueryAnswerPartial on the request's reply topic.
    private struct PartialReplies: Sendable {
        let texts: AsyncStream<String>.Continuation
        let sender: Task<Void, Never>

        /// Ends the pieces and waits until every one is enqueued, so the final reply follows them.
        func finish() async {
            texts.finish()
            await sender.value
        }
    }

    /// Starts sending the pieces of `work`'s answer. A piece that cannot be encoded or enqueued is
    /// logged and skipped: the final reply is what counts.
    private func startPartials(for work: Accepted) -> PartialReplies {
        let (texts, continuation) = AsyncStream<String>.makeStream()
        let producer = self.producer
        let logger = configuration.logger
        let queryId = work.request.queryId, topic = work.replyTo, correlationId = work.correlationId
        let sender = Task {
            var sequence = 0
            for await text in texts {
                do {
                    let record = try EventCodec.record(QueryAnswerPartial(queryId: queryId, sequence: sequence, text: text), topic: topic,
                                                       source: "twinlog/inference", headers: [KafkaHeader(InferenceConsumer.Header.correlationId, correlationId)])
                    _ = try await producer.enqueue([record])
                } catch {
                    logger.warning("a partial reply was not sent", metadata: ["id": "\(queryId)", "error": "\(error)"])
                }
                sequence += 1
            }
        }
        return PartialReplies(texts: continuation, sender: sender)
    }

    /// The consumer's decoding with the request's overrides applied, checked.
    static func sampling(_ defaults: SamplingOptions, overriddenBy decoding: QueryRequested.Decoding?) throws -> SamplingOptions {
        guard let decoding else { return defaults }
        var options = defaults
        if let value = decoding.temperature { options.temperature = Float(value) }
        if let value = decoding.topP { options.topP = Float(value) }
        if let value = decoding.minP { options.minP = Float(value) }
        if let value = decoding.repetitionPenalty { options.repetitionPenalty = Float(value) }
        if let value = decoding.frequencyPenalty { options.frequencyPenalty = Float(value) }
        if let value = decoding.presencePenalty { options.presencePenalty = Float(value) }
        if let value = decoding.penaltyWindow { options.penaltyWindow = value }
        if let value = decoding.noRepeatNgram { options.noRepeatNgramSize = value }
        if let value = decoding.seed { options.seed = value }
        return try options.validated()
    }

    private static func source(_ chunk: RetrievedChunk) -> QueryAnswered.Source {
        QueryAnswered.Source(chunkId: chunk.chunkId, documentId: chunk.payload.documentId, title: chunk.payload.title,
                             url: chunk.payload.url, score: chunk.score, source: chunk.payload.source.isEmpty ? nil : chunk.payload.source,
                             section: chunk.payload.section.isEmpty ? nil : chunk.payload.section)
    }

    /// The filters a retrieval searched with and the sources it boosted, as the reply reports them.
    static func report(_ retrieval: Retrieval) -> QueryAnswered.RetrievalReport {
        let filter = retrieval.filter
        var filters: [String: [String]] = [:]
        for (name, values) in [("author", filter.authorIds), ("platform", filter.platforms), ("kind", filter.kinds),
                               ("source", filter.sources)] {
            if let values { filters[name] = values.sorted() }
        }
        if let dates = filter.dates {
            if dates.lowerBound != .distantPast { filters["since"] = [EventTime.format(dates.lowerBound)] }
            if dates.upperBound != .distantFuture { filters["until"] = [EventTime.format(dates.upperBound)] }
        }
        return QueryAnswered.RetrievalReport(filters: filters, readFromQuestion: retrieval.filtersRead,
                                             boostedSources: retrieval.boostedSources)
    }

    private func reply(_ answer: QueryAnswered, to topic: String, correlationId: String) -> OutgoingRecord {
        do {
            return try EventCodec.record(answer, topic: topic, source: "twinlog/inference",
                                         headers: [KafkaHeader(InferenceConsumer.Header.correlationId, correlationId)])
        } catch {
            // Our own reply failed validation (a bug): still answer, with a minimal error reply.
            configuration.logger.error("reply failed validation", metadata: ["error": "\(error)"])
            let fallback = QueryAnswered(queryId: answer.queryId, status: .failed, error: "the answer could not be encoded")
            return (try? EventCodec.record(fallback, topic: topic, source: "twinlog/inference",
                                           headers: [KafkaHeader(InferenceConsumer.Header.correlationId, correlationId)]))
                ?? OutgoingRecord(topic: topic, key: answer.queryId, value: nil, headers: [KafkaHeader(InferenceConsumer.Header.correlationId, correlationId)])
        }
    }
}

/// The generator answers use, swapped atomically between requests.
final class ModelSlot: @unchecked Sendable {
    private let lock = NSLock()
    private var generator: Generator?
    private var version: String

    init(generator: Generator?, version: String) {
        self.generator = generator
        self.version = version
    }

    func current() -> (generator: Generator?, version: String) { lock.withLock { (generator, version) } }

    func set(_ generator: Generator, version: String) {
        lock.withLock {
            self.generator = generator
            self.version = version
        }
    }
}

