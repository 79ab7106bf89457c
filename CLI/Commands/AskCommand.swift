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
    @Argument(help: "The question.") var question: String?
    @Option(help: ArgumentHelp("Ask every question of a JSON-lines file instead, each line {\"id\": …, \"question\": …}; prints one JSON reply per line, with its id.",
                               valueName: "file"))
    var questions: String?
    @Option(help: "With --questions: how many questions are in flight at once (1–64).") var concurrency = 4
    @Option(help: "Only this author's texts (an author id such as ada-lovelace).") var author: String?
    @Option(help: "Only this platform: github, medium, linkedin or article.") var platform: Platform?
    @Option(help: "Only documents dated on or after this date (2024-01-31) or RFC 3339 instant.") var since: String?
    @Option(help: "Only documents dated before this date or instant.") var until: String?
    @Option(help: "How many sources to retrieve (1–50).") var k = 5
    @Option(help: "Most tokens to generate.") var maxTokens = 128
    @Option(help: "Seconds to wait for the answer (at most 86400).", transform: SecondsFlag.within(0...86_400))
    var timeout: Duration = .seconds(60)
    @Flag(help: "Retrieve sources only; generate no answer.") var retrievalOnly = false
    @Flag(help: "Print the reply event as JSON.") var json = false

    func validate() throws {
        guard (question == nil) != (questions == nil) else { throw ValidationError("give either a question or --questions FILE") }
        guard (1...64).contains(concurrency) else { throw ValidationError("--concurrency must be 1–64, got \(concurrency)") }
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
        if let questions {
            do { try await askAll(try Self.readQuestions(questions), client: client) } catch {
                await client.close()
                throw error
            }
            await client.close()
            return
        }
        let reply: QueryAnswered
        do {
            reply = try await client.ask(try request(question ?? ""), timeout: timeout)
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

    /// The request for one question with this command's options.
    private func request(_ question: String) throws -> QueryRequested {
        let (since, until) = try bounds()
        return QueryRequested(queryId: UUID().uuidString, question: question, authorId: author, platform: platform,
                              since: since, until: until, k: k, maxTokens: maxTokens, retrievalOnly: retrievalOnly,
                              deadline: Date().addingTimeInterval(timeout.inSeconds))
    }

    /// A questions file: one JSON object a line with string `id` and `question`; blank lines skipped.
    static func readQuestions(_ path: String) throws -> [(id: String, question: String)] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ValidationError("cannot read --questions \(path): \(error.localizedDescription)")
        }
        var result: [(String, String)] = []
        for (number, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where !line.allSatisfy(\.isWhitespace) {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let id = object["id"] as? String, let question = object["question"] as? String else {
                throw ValidationError("\(path):\(number + 1): expected a JSON object with string \"id\" and \"question\"")
            }
            result.append((id, question))
        }
        return result
    }

    /// Asks every question through one client, `concurrency` at a time, printing each reply as a
    /// JSON line `{"id": …, "reply": …}` as it arrives (a question that got no reply in time gets
    /// `{"id": …, "error": …}`).
    private func askAll(_ questions: [(id: String, question: String)], client: QueryClient) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var pending = try questions.map { ($0.id, try request($0.question)) }.makeIterator()
        try await withThrowingTaskGroup(of: (String, Result<QueryAnswered, any Error>).self) { group in
            for _ in 0..<concurrency {
                guard let (id, request) = pending.next() else { break }
                group.addTask { await Self.ask(id, request, client: client, wait: timeout) }
            }
            while let (id, outcome) = try await group.next() {
                switch outcome {
                case .success(let reply):
                    let body = String(decoding: try encoder.encode(reply), as: UTF8.self)
                    print("{\"id\":\(String(decoding: try encoder.encode(id), as: UTF8.self)),\"reply\":\(body)}")
                case .failure(let error):
                    print(String(decoding: try encoder.encode(["id": id, "error": "\(error)"]), as: UTF8.self))
                }
                if let (id, request) = pending.next() {
                    group.addTask { await Self.ask(id, request, client: client, wait: timeout) }
                }
            }
        }
    }

    private static func ask(_ id: String, _ request: QueryRequested, client: QueryClient,
                            wait: Duration) async -> (String, Result<QueryAnswered, any Error>) {
        do { return (id, .success(try await client.ask(request, timeout: wait))) } catch { return (id, .failure(error)) }
    }

    private func render(_ reply: QueryAnswered) -> String {
        var lines: [String] = []
        if reply.status != .ok { lines.append("error (\(reply.status.rawValue)): \(reply.error ?? "")") }
        if let answer = reply.answer { lines.append(answer.trimmingCharacters(in: .whitespacesAndNewlines)) }
        if let evidence = reply.evidence, !evidence.isEmpty {
            lines.append("")
            lines.append("evidence:")
            for quote in evidence { lines.append("  [\(quote.source)] \"\(quote.text)\"") }
        }
        if !reply.sources.isEmpty {
            lines.append("")
            lines.append("sources:")
            for (number, source) in reply.sources.enumerated() {
                let place = (source.source.map { $0 + ": " } ?? "") + source.title + (source.section.map { " — " + $0 } ?? "")
                lines.append("  [\(number + 1)] \(String(format: "%.3f", source.score))  \(place)  \(source.url)")
            }
        }
        if !reply.flags.isEmpty { lines.append("flags: \(reply.flags.joined(separator: ", "))") }
        let timings = reply.timings.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.0f", $0.value)) ms" }
        if !timings.isEmpty { lines.append("timings: \(timings.joined(separator: ", "))") }
        if let version = reply.modelVersion { lines.append("model: \(version)") }
        return lines.joined(separator: "\n")
    }
}

