import Crawlers
import Foundation
import Synchronization
import TrainingConsumer
import TwinlogAsk
import TwinlogConfig
import TwinlogEvents
import TwinlogIndex
import TwinlogKafka
import TwinlogKafkaEvents
import TwinlogPostgres
import TwinlogRuntime
import TwinlogTraining

/// The demo, step by step, as one reusable object: `start` resets the namespace, builds the
/// sample author's repository, serves its site on loopback and starts every consumer in this
/// process; `run` crawls the author through the real crawlers, waits until the index the
/// inference consumer answers from has caught up with the warehouse, asks the sample questions
/// over the request/reply topics and summarizes; `stop` shuts the consumers down gracefully.
/// The command prints what `run` returns; tests drive the same steps and go on from there.
public final class DemoSession: Sendable {
    public let settings: DemoSettings
    public let author: SampleAuthor
    public let site: SampleSite
    /// The sample git repository, built in the work folder.
    public let repository: URL
    private let progress: any DemoProgress
    private let consumers: ConsumerProcess
    private let consumersRun: Task<Void, any Error>
    private let consumersEnded = EndNotice()
    private let db: PostgresConnection
    private let producer: KafkaProducer

    private init(settings: DemoSettings, author: SampleAuthor, site: SampleSite, repository: URL, progress: any DemoProgress,
                 consumers: ConsumerProcess, db: PostgresConnection, producer: KafkaProducer) {
        self.settings = settings
        self.author = author
        self.site = site
        self.repository = repository
        self.progress = progress
        self.consumers = consumers
        self.db = db
        self.producer = producer
        let ended = consumersEnded
        consumersRun = Task {
            do {
                try await consumers.run()
                ended.set("the consumers stopped")
            } catch {
                ended.set("the consumers stopped: \(error)")
                throw error
            }
        }
    }

    /// Resets the namespace, writes the sample author, serves its site and starts the consumers.
    public static func start(_ settings: DemoSettings, progress: any DemoProgress = SilentProgress()) async throws -> DemoSession {
        let author = try SampleAuthor.bundled()
        var step = progress.begin("Resetting namespace \(settings.namespace)", total: nil)
        try await DemoNamespace.reset(settings)
        step.finish("topics \(settings.config.topics.prefix)*, schema \(settings.namespace)")

        step = progress.begin("Writing the sample author \(author.name)", total: nil)
        let repository = settings.workDirectory.appendingPathComponent("sample-repository")
        try await author.writeRepository(at: repository)
        let site = try await SampleSite.start(author)
        step.finish("git repository with \(author.commits.count) commits, site on \(site.origin)")

        step = progress.begin("Loading the models and starting the consumers", total: nil)
        let db: PostgresConnection
        do { db = try await PostgresConnection.connect(settings.processSettings.database) } catch {
            await site.stop()
            throw error
        }
        let producer: KafkaProducer
        do { producer = try KafkaProducer(configuration: settings.config.kafka) } catch {
            await site.stop()
            await db.close()
            throw error
        }
        let consumers: ConsumerProcess
        do { consumers = try await ConsumerProcess(ConsumerComponent.all, settings: settings.processSettings, handleSignals: false) } catch {
            await site.stop()
            await producer.shutdown()
            await db.close()
            throw error
        }
        step.finish(ConsumerComponent.all.map(\.name).joined(separator: ", "))
        return DemoSession(settings: settings, author: author, site: site, repository: repository, progress: progress,
                           consumers: consumers, db: db, producer: producer)
    }

    /// The demo's main job, in order: crawl, catch up, train, ask, summarize.
    public func run() async throws -> DemoReport {
        let crawl = try await crawl()
        let catchUp = try await waitUntilIndexed(documents: crawl.stats.captured - crawl.stats.removed)
        let training = try await train()
        let answers = try await ask(author.questions)
        let summary = try await summarize(answers: answers)
        return DemoReport(crawl: crawl, catchUp: catchUp, training: training, answers: answers, summary: summary)
    }

    /// Asks for a training run as `twinlog train` does (a manual DriftDetected), waits for its
    /// outcome in `training_runs`, and when the model was promoted, until the inference consumer
    /// answers with it.
    public func train() async throws -> DemoTraining {
        let steps = settings.training.training.steps
        let step = progress.begin("Training a LoRA adapter on the author's texts (\(steps) steps), evaluating, promoting", total: nil)
        let started = ContinuousClock.now
        let trigger = "demo:" + UUID().uuidString
        let event = DriftDetected.manual(scope: author.authorId)
        _ = try await producer.send(try EventCodec.record(event, topic: settings.config.topics.drift, source: "twinlog/demo", id: trigger))
        while true {
            if let run = try await TrainingRun.finished(trigger: trigger, in: db) {
                guard run.succeeded, let version = run.modelVersion else {
                    throw DemoError("the training run failed: \(run.error ?? "no detail")")
                }
                let metricsText = try await db.query("SELECT metrics::text AS m FROM models WHERE model_version = \(version)")[0].decode(String.self, "m")
                let metrics = try JSONDecoder().decode([String: Double].self, from: Data(metricsText.utf8))
                let promoted = run.promoted
                if promoted { try await waitUntilServing(version, since: started) }
                let seconds = (ContinuousClock.now - started).inSeconds
                step.finish("\(version): held-out perplexity " + String(format: "%.2f → %.2f", metrics["eval_perplexity_base"] ?? .nan,
                                                                            metrics["eval_perplexity"] ?? .nan)
                            + (promoted ? ", promoted and serving" : ", not promoted"))
                return DemoTraining(modelVersion: version, datasetVersion: run.datasetVersion ?? "",
                                    promoted: promoted, metrics: metrics, seconds: seconds)
            }
            if let ended = consumersEnded.message { throw DemoError(ended) }
            guard ContinuousClock.now - started < settings.trainingTimeout else {
                throw DemoError("the training run did not finish within \(settings.trainingTimeout)")
            }
            step.update(0, total: nil, detail: String(format: "%.0f s", (ContinuousClock.now - started).inSeconds))
            try await Task.sleep(for: .milliseconds(500))
        }
    }

    /// Waits until a question is answered by `version` (the inference consumer hot-swaps on
    /// ModelPublished between requests).
    private func waitUntilServing(_ version: String, since started: ContinuousClock.Instant) async throws {
        let client = try await QueryClient(kafka: settings.config.kafka, topics: settings.config.topics)
        var serving = false
        do {
            while !serving, ContinuousClock.now - started < settings.trainingTimeout {
                let probe = QueryRequested(queryId: UUID().uuidString, question: author.questions[0].question, k: 1, maxTokens: 1,
                                           deadline: Date().addingTimeInterval(settings.answerTimeout.inSeconds))
                serving = try await client.ask(probe, timeout: settings.answerTimeout).modelVersion == version
                if !serving { try await Task.sleep(for: .milliseconds(500)) }
            }
        } catch {
            await client.close()
            throw error
        }
        await client.close()
        guard serving else { throw DemoError("the inference consumer did not switch to \(version)") }
    }

    /// The index the inference consumer answers from.
    public var servingIndex: VectorIndex {
        guard let index = consumers.index(of: ConsumerComponent.inference.name) else { preconditionFailure("the demo always starts inference") }
        return index
    }

    /// Crawls the sample author's repository, feed, LinkedIn export and articles into
    /// `twin.documents`; a failed source fails the demo.
    public func crawl() async throws -> CrawlReport {
        let targets = author.targets(site: site.origin, repository: repository)
        var options = CrawlOptions()
        // The sample site is ours and on loopback: allow the address, skip the politeness delay.
        options.fetch.addressPolicy = AddressPolicy(allowLoopback: true)
        options.fetch.perHostDelay = .zero
        options.repository.cacheDirectory = settings.workDirectory.appendingPathComponent("repository-cache").path
        let engine = CrawlEngine(producer: producer, topics: settings.config.topics, state: CrawlStateStore(db: db), options: options)
        let step = progress.begin("Crawling GitHub, Medium, LinkedIn and articles", total: targets.count)
        let sources = Atomic<Int>(0)
        let report = await engine.crawl(targets) { stats in
            step.update(sources.add(1, ordering: .relaxed).newValue, total: nil, detail: "\(stats.captured) documents captured")
        }
        await engine.shutdown()
        guard report.failures.isEmpty else {
            throw DemoError("crawling the sample author failed: " + report.failures.map { "\($0)" }.joined(separator: "; "))
        }
        step.finish("\(report.stats.captured) documents from \(targets.count) sources")
        return report
    }

    /// Waits until the warehouse holds `documents` documents, the feature consumer has chunked
    /// each one's current content, and the serving index holds exactly the live chunks.
    public func waitUntilIndexed(documents: Int) async throws -> CatchUp {
        let started = ContinuousClock.now
        let step = progress.begin("Materializing, chunking, embedding and indexing", total: nil)
        while true {
            let state = try await pipelineState()
            let indexed = Set(servingIndex.keys)
            step.update(indexed.intersection(state.chunkIds).count, total: max(state.chunkIds.count, 1),
                        detail: "warehouse \(state.documents)/\(documents) documents · chunked \(state.chunked) · index \(indexed.count) chunks")
            if state.documents == documents, state.chunked == documents, !state.chunkIds.isEmpty, indexed == state.chunkIds {
                let seconds = (ContinuousClock.now - started).inSeconds
                step.finish("\(documents) documents, \(indexed.count) chunks searchable")
                return CatchUp(documents: documents, chunks: indexed.count, seconds: seconds)
            }
            if let ended = consumersEnded.message { throw DemoError(ended) }
            guard ContinuousClock.now - started < settings.catchUpTimeout else {
                throw DemoError("the index did not catch up within \(settings.catchUpTimeout): warehouse \(state.documents)/\(documents) "
                    + "documents, \(state.chunked) chunked, index \(indexed.count)/\(state.chunkIds.count) chunks")
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Asks `questions` one after another over `twin.queries`, each answer awaited on `twin.replies`.
    public func ask(_ questions: [SampleAuthor.Question]) async throws -> [DemoAnswer] {
        let client = try await QueryClient(kafka: settings.config.kafka, topics: settings.config.topics)
        let step = progress.begin(settings.retrievalOnly ? "Retrieving sources for the sample questions" : "Asking the twin the sample questions",
                                  total: questions.count)
        var answers: [DemoAnswer] = []
        do {
            for question in questions {
                step.update(answers.count, total: nil, detail: question.question)
                let request = QueryRequested(queryId: UUID().uuidString, question: question.question, k: settings.k, maxTokens: settings.maxTokens,
                                             retrievalOnly: settings.retrievalOnly,
                                             deadline: Date().addingTimeInterval(settings.answerTimeout.inSeconds),
                                             stream: !settings.retrievalOnly)
                let sent = ContinuousClock.now
                let done = answers.count
                // The answer is drawn on the step's line as it is generated.
                let reply = try await client.ask(request, timeout: settings.answerTimeout) { _, textSoFar in
                    let line = textSoFar.split(whereSeparator: \.isNewline).joined(separator: " ")
                    step.update(done, total: nil, detail: "\(question.question) → " + (line.count > 70 ? "…" + line.suffix(70) : line))
                }
                answers.append(DemoAnswer(question: question, reply: reply, seconds: (ContinuousClock.now - sent).inSeconds))
            }
        } catch {
            await client.close()
            throw error
        }
        await client.close()
        step.finish("\(answers.filter { $0.reply.status == .ok }.count) of \(questions.count) answered")
        return answers
    }

    /// Counts every topic's records, the warehouse's rows, the live chunks and the index.
    public func summarize(answers: [DemoAnswer]) async throws -> DemoSummary {
        let topics = settings.config.topics
        let names = topics.specs.map(\.name)
        let step = progress.begin("Counting events, rows and chunks", total: names.count)
        var events: [(String, Int)] = []
        for name in names {
            step.update(events.count, total: nil, detail: name)
            events.append((name, try await TopicCounter.count(name, kafka: settings.config.kafka)))
        }
        var rows: [(String, Int)] = []
        for table in ["authors", "documents", "document_versions", "feature_chunk_sets", "crawl_documents"] {
            rows.append((table, try await db.query("SELECT count(*) AS n FROM \(identifier: table)")[0].decode(Int.self, "n")))
        }
        let chunks = try await pipelineState().chunkIds.count
        let statistics = servingIndex.statistics()
        step.finish("\(events.reduce(0) { $0 + $1.1 }) events on \(events.filter { $0.1 > 0 }.count) topics")
        return DemoSummary(events: events, rows: rows, chunks: chunks, indexVectors: statistics.liveCount,
                           indexBytes: statistics.memoryBytes, dimension: statistics.configuration.dimension,
                           modelVersions: Array(Set(answers.compactMap(\.reply.modelVersion))).sorted())
    }

    /// Shuts the consumers down gracefully (each finishes and commits its batch in flight),
    /// closes the site and the clients, and drops the relay's replication slot (the next run
    /// starts from a reset namespace; a slot left unread would hold PostgreSQL's WAL).
    public func stop() async throws {
        let step = progress.begin("Stopping the consumers gracefully", total: nil)
        await consumers.shutdown()
        let result = await consumersRun.result
        await site.stop()
        await producer.shutdown()
        await db.close()
        try result.get()
        try await DemoNamespace.releaseSlot(settings)
        step.finish("offsets committed, groups left, connections closed, replication slot dropped")
    }

    private struct PipelineState {
        var documents: Int
        var chunked: Int
        var chunkIds: Set<String>
    }

    /// What the warehouse and the feature consumer hold now.
    private func pipelineState() async throws -> PipelineState {
        let counts = try await db.query("""
            SELECT (SELECT count(*) FROM documents) AS documents,
                   (SELECT count(*) FROM documents d JOIN feature_chunk_sets c ON c.document_id = d.document_id
                     WHERE c.content_hash = d.content_hash AND cardinality(c.unsettled_ids) = 0) AS chunked
            """)[0]
        let ids = try await db.query("SELECT DISTINCT unnest(chunk_ids) AS id FROM feature_chunk_sets")
        return PipelineState(documents: try counts.decode(Int.self, "documents"), chunked: try counts.decode(Int.self, "chunked"),
                             chunkIds: Set(try ids.map { try $0.decode(String.self, "id") }))
    }
}

/// Why the consumers ended before the demo stopped them, once they have.
private final class EndNotice: Sendable {
    private let state = Mutex<String?>(nil)
    var message: String? { state.withLock { $0 } }
    func set(_ message: String) { state.withLock { $0 = message } }
}
