import ArgumentParser
import Foundation
import TwinlogAsk
import TwinlogCommandSupport
import TwinlogConfig
import TwinlogEvents
import TwinlogRuntime

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
    @Flag(help: "With --questions: stream every answer and add to its line the streamed text and the milliseconds to the first piece.")
    var stream = false
    @OptionGroup(title: "Decoding (overrides the inference consumer's defaults for this request)") var decoding: DecodingFlags

    func validate() throws {
        guard (question == nil) != (questions == nil) else { throw ValidationError("give either a question or --questions FILE") }
        guard (1...64).contains(concurrency) else { throw ValidationError("--concurrency must be 1–64, got \(concurrency)") }
        if stream && questions == nil { throw ValidationError("--stream is for --questions; a single question always streams") }
        _ = try decoding.requestOverrides()
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
        // The human-readable answer is printed as it is generated; the JSON reply is printed whole.
        let streamed = StreamedText()
        do {
            var query = try request(question ?? "")
            if !json && !retrievalOnly { query.stream = true }
            reply = try await client.ask(query, timeout: timeout) { partial, textSoFar in
                streamed.text = textSoFar
                FileHandle.standardOutput.write(Data(partial.text.utf8))
            }
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
            print(render(reply, streamed: streamed.text))
        }
        if reply.status != .ok { throw ExitCode(1) }
    }

    /// The request for one question with this command's options.
    private func request(_ question: String) throws -> QueryRequested {
        let (since, until) = try bounds()
        return QueryRequested(queryId: UUID().uuidString, question: question, authorId: author, platform: platform,
                              since: since, until: until, k: k, maxTokens: maxTokens, retrievalOnly: retrievalOnly,
                              deadline: Date().addingTimeInterval(timeout.inSeconds), decoding: try decoding.requestOverrides())
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
    /// JSON line `{"id": …, "reply": …, "replyMs": …}` as it arrives (with `--stream` also
    /// `"streamed"`, the text of the pieces, and `"firstPieceMs"`; a question that got no reply in
    /// time gets `{"id": …, "error": …}`). The times are the asker's, from sending.
    private func askAll(_ questions: [(id: String, question: String)], client: QueryClient) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Each request is made when it is sent, so its deadline counts from then, not from the start.
        var pending = questions.makeIterator()
        func request(_ question: String) throws -> QueryRequested {
            var request = try self.request(question)
            if stream && !retrievalOnly { request.stream = true }
            return request
        }
        try await withThrowingTaskGroup(of: (String, Result<Asked, any Error>).self) { group in
            for _ in 0..<concurrency {
                guard let (id, question) = pending.next() else { break }
                let request = try request(question)
                group.addTask { await Self.ask(id, request, client: client, wait: timeout) }
            }
            while let (id, outcome) = try await group.next() {
                switch outcome {
                case .success(let asked):
                    print(String(decoding: try encoder.encode(asked.line(id: id)), as: UTF8.self))
                case .failure(let error):
                    print(String(decoding: try encoder.encode(["id": id, "error": "\(error)"]), as: UTF8.self))
                }
                if let (id, question) = pending.next() {
                    let request = try request(question)
                    group.addTask { await Self.ask(id, request, client: client, wait: timeout) }
                }
            }
        }
    }

    /// One question's reply as the asker saw it.
    private struct Asked: Sendable {
        var reply: QueryAnswered
        var replyMilliseconds: Double
        var streamed: String?
        var firstPieceMilliseconds: Double?

        /// The output line of `--questions`.
        struct Line: Encodable {
            var id: String
            var reply: QueryAnswered
            var replyMs: Double
            var streamed: String?
            var firstPieceMs: Double?
        }

        func line(id: String) -> Line {
            Line(id: id, reply: reply, replyMs: replyMilliseconds, streamed: streamed, firstPieceMs: firstPieceMilliseconds)
        }
    }

    /// The first piece's time and the text of the pieces, as they arrive.
    private final class Pieces: @unchecked Sendable {
        private let lock = NSLock()
        private var first: ContinuousClock.Instant?
        private var text = ""

        func received(_ textSoFar: String) {
            lock.withLock {
                if first == nil { first = .now }
                text = textSoFar
            }
        }

        var seen: (first: ContinuousClock.Instant?, text: String) { lock.withLock { (first, text) } }
    }

    /// The answer text printed so far.
    private final class StreamedText: @unchecked Sendable {
        private let lock = NSLock()
        private var latest = ""

        var text: String {
            get { lock.withLock { latest } }
            set { lock.withLock { latest = newValue } }
        }
    }

    private static func ask(_ id: String, _ request: QueryRequested, client: QueryClient,
                            wait: Duration) async -> (String, Result<Asked, any Error>) {
        let pieces = Pieces()
        let sent = ContinuousClock.now
        do {
            let reply = try await client.ask(request, timeout: wait) { _, textSoFar in pieces.received(textSoFar) }
            let milliseconds = { (instant: ContinuousClock.Instant) in (instant - sent).inSeconds * 1000 }
            let (first, text) = pieces.seen
            return (id, .success(Asked(reply: reply, replyMilliseconds: milliseconds(.now), streamed: request.stream == true ? text : nil,
                                       firstPieceMilliseconds: first.map(milliseconds))))
        } catch {
            return (id, .failure(error))
        }
    }

    /// The reply as text. `streamed` is the answer text already printed as it was generated: the
    /// answer is printed again only when the reply's differs (the quotes in place of an unsupported
    /// answer, citations to no source removed). An abstention comes without pieces: nothing is
    /// generated for a question the sources do not answer.
    private func render(_ reply: QueryAnswered, streamed: String) -> String {
        var lines: [String] = []
        if reply.status != .ok { lines.append("error (\(reply.status.rawValue)): \(reply.error ?? "")") }
        let shown = streamed.trimmingCharacters(in: .whitespacesAndNewlines)
        if let answer = reply.answer?.trimmingCharacters(in: .whitespacesAndNewlines) {
            if shown.isEmpty {
                lines.append(answer)
            } else if answer != shown {
                let why = reply.flags.contains("extractive") ? "the sources do not support the generated answer; here is what they say"
                    : "citations to no source were removed"
                lines.append("\n\n(replaced: \(why))\n\(answer)")
            } else {
                lines.append("")
            }
        } else if !shown.isEmpty {
            lines.append("")
        }
        if let evidence = reply.evidence, !evidence.isEmpty {
            lines.append("")
            lines.append("evidence:")
            // A quote is verbatim, quotation marks and line breaks included: its lines are set
            // under one another rather than inside marks of their own.
            for quote in evidence {
                let label = "  [\(quote.source)] "
                let quoted = quote.text.split(separator: "\n", omittingEmptySubsequences: false)
                lines += quoted.enumerated().map { line, text in (line == 0 ? label : String(repeating: " ", count: label.count)) + text }
            }
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

