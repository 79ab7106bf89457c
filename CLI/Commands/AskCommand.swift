import ArgumentParser
import Foundation
import TwinlogAsk
import TwinlogConfig
import TwinlogEvents

/// Asks the twin a question over the topics and prints the answer and its sources.
struct AskCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ask", abstract: "Ask the twin a question over the request/reply topics; prints the answer and its sources.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The question.") var question: String
    @Option(help: "Only this author's texts (an author id such as ada-lovelace).") var author: String?
    @Option(help: "Only this platform: github, medium, linkedin or article.") var platform: Platform?
    @Option(help: "Only documents dated on or after this date (2024-01-31) or RFC 3339 instant.") var since: String?
    @Option(help: "Only documents dated before this date or instant.") var until: String?
    @Option(help: "How many sources to retrieve (1–50).") var k = 5
    @Option(help: "Most tokens to generate.") var maxTokens = 128
    @Option(help: "Seconds to wait for the answer.") var timeout: Double = 60
    @Flag(help: "Retrieve sources only; generate no answer.") var retrievalOnly = false
    @Flag(help: "Print the reply event as JSON.") var json = false

    func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be positive, got \(timeout)") }
        _ = try bounds()
    }

    /// `--since` and `--until` as instants, checked as the inference consumer will check them.
    private func bounds() throws -> (since: Date?, until: Date?) {
        do {
            let since = try since.map { text throws(EventError) in try EventTime.parseBound(text, field: "since") }
            let until = try until.map { text throws(EventError) in try EventTime.parseBound(text, field: "until") }
            _ = try QueryRequested.dates(since: since, until: until)
            return (since, until)
        } catch {
            throw ValidationError("--\(error)")
        }
    }

    func run() async throws {
        let config = try global.load()
        let client = try await QueryClient(kafka: config.kafka, topics: TopicCatalogue(prefix: config.topicPrefix))
        let (since, until) = try bounds()
        let request = QueryRequested(queryId: UUID().uuidString, question: question, authorId: author, platform: platform,
                                     since: since, until: until, k: k,
                                     maxTokens: maxTokens, retrievalOnly: retrievalOnly,
                                     deadline: Date().addingTimeInterval(timeout))
        let reply: QueryAnswered
        do {
            reply = try await client.ask(request, timeout: .milliseconds(Int64(timeout * 1000)))
        } catch {
            await client.close()
            throw error
        }
        await client.close()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(reply), as: UTF8.self))
        } else {
            print(render(reply))
        }
        if reply.status != .ok { throw ExitCode(1) }
    }

    private func render(_ reply: QueryAnswered) -> String {
        var lines: [String] = []
        if reply.status != .ok { lines.append("error (\(reply.status.rawValue)): \(reply.error ?? "")") }
        if let answer = reply.answer { lines.append(answer.trimmingCharacters(in: .whitespacesAndNewlines)) }
        if !reply.sources.isEmpty {
            lines.append("")
            lines.append("sources:")
            for (number, source) in reply.sources.enumerated() {
                lines.append("  [\(number + 1)] \(String(format: "%.3f", source.score))  \(source.title)  \(source.url)")
            }
        }
        if !reply.flags.isEmpty { lines.append("flags: \(reply.flags.joined(separator: ", "))") }
        let timings = reply.timings.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.0f", $0.value)) ms" }
        if !timings.isEmpty { lines.append("timings: \(timings.joined(separator: ", "))") }
        if let version = reply.modelVersion { lines.append("model: \(version)") }
        return lines.joined(separator: "\n")
    }
}

