import ArgumentParser
import Foundation
import TwinlogApp
import TwinlogCommandSupport
import TwinlogConfig
import TwinlogMetrics
import TwinlogPostgres

/// The main job on one machine: start the local broker and PostgreSQL, crawl the bundled sample
/// author through the real crawlers, run every consumer in this process until the index has
/// caught up, ask five questions over the request/reply topics, and summarize. Runs in a
/// namespace of its own (topics `<namespace>.*`, schema `<namespace>`), reset at every start.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Crawl a sample author, run the whole pipeline in this process and ask the twin five questions.",
        discussion: """
            Everything the demo creates lives in its namespace: topics named <namespace>.twin.*, the PostgreSQL schema
            <namespace> (with its replication slot and publication) and the work folder. The namespace is deleted and
            recreated at every start, so the demo can be run again and again.
            """)

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Do not start the local broker and PostgreSQL (use the configured ones).")
    var noUp = false
    @Option(help: "The demo's namespace: topic prefix <namespace>. and PostgreSQL schema <namespace> (reset at every start).")
    var namespace = "demo"
    @Option(name: .customLong("work-directory"), help: "Where the sample repository and the index snapshot go (default .twinlog/demo/<namespace>).")
    var workDirectory: String?
    @Flag(name: .customLong("retrieval-only"), help: "Show the sources of each answer without generating the answers.")
    var retrievalOnly = false
    @Option(name: .customLong("max-tokens"), help: "Tokens generated per answer.")
    var maxTokens = 96
    @Option(name: .customLong("embedder-model"), help: "The all-MiniLM-L6-v2 folder (default: found in .twinlog/venv).")
    var embedderModel: String?
    @Option(name: .customLong("generator-model"), help: "The SmolLM2 GGUF file (default: found in .twinlog/venv).")
    var generatorModel: String?
    @Option(name: .customLong("answer-model"), help: "A GGUF file that answers instead of SmolLM2, e.g. a Qwen2.5 Q4_K_M (key answerModel).")
    var answerModel: String?

    func validate() throws {
        if global.topicPrefix != nil || global.databaseSchema != nil {
            throw ValidationError("the demo runs in a namespace of its own, reset at every start; choose it with --namespace")
        }
        if maxTokens < 1 { throw ValidationError("--max-tokens must be at least 1") }
    }

    func run() async throws {
        if !noUp { try DevScript.run("up") }
        // The progress lines say what happens; the consumers' info logs would only interleave with them.
        var options = global
        if options.logLevel == nil, ProcessInfo.processInfo.environment["TWINLOG_LOG_LEVEL"] == nil { options.logLevel = "warning" }
        let config = try options.load(commandFlags: answerModel.map { ["answerModel": $0] } ?? [:])
        TwinlogMetrics.bootstrap()
        let work = try workDirectory.map { URL(fileURLWithPath: $0) }
            ?? DevScript.projectRoot().appendingPathComponent(".twinlog/demo/\(namespace)")
        var settings: DemoSettings
        do {
            settings = try DemoSettings(config: config, namespace: namespace, workDirectory: work,
                                        models: ModelStore(embedderPath: embedderModel, generatorPath: generatorModel,
                                                           answerModelPath: config.answerModel))
        } catch { throw ValidationError("\(error)") }
        settings.retrievalOnly = retrievalOnly
        settings.maxTokens = maxTokens

        // Written unbuffered, like the progress lines that follow it.
        FileHandle.standardOutput.write(Data("Twinlog demo: namespace \(namespace) on \(config.brokers) and \(PostgresConnection.redacted(config.databaseURL))\n\n".utf8))
        let session = try await DemoSession.start(settings, progress: TerminalProgress())
        let report: DemoReport
        do {
            report = try await session.run()
        } catch {
            try? await session.stop()
            throw error
        }
        try await session.stop()
        print(report.text)
        print("""

            The pipeline's state stays in namespace \(namespace): `twinlog status --topic-prefix \(namespace). --database-schema \(namespace)`,
            `twinlog ask --topic-prefix \(namespace). "…"` against `twinlog run --topic-prefix \(namespace). --database-schema \(namespace)`.
            """)
    }
}
