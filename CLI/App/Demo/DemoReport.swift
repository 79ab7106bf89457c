import Crawlers
import Foundation
import TwinlogEvents

/// One sample question, the reply it got and how long the round trip took.
public struct DemoAnswer: Sendable {
    public let question: SampleAuthor.Question
    public let reply: QueryAnswered
    /// Seconds from sending the question to receiving its reply.
    public let seconds: Double

    /// Whether the document expected to answer the question is the first source cited.
    public var citesExpectedSource: Bool { reply.sources.first?.title == question.expectedTitle }
}

/// How the pipeline caught up after the crawl.
public struct CatchUp: Sendable {
    public let documents: Int
    public let chunks: Int
    /// Seconds from the end of the crawl until every chunk was searchable.
    public let seconds: Double
}

/// What the pipeline holds at the end of the demo.
public struct DemoSummary: Sendable {
    /// Records per topic, in catalogue order.
    public let events: [(topic: String, count: Int)]
    /// Rows per warehouse table.
    public let rows: [(table: String, count: Int)]
    /// Live chunks according to the feature consumer's chunk sets.
    public let chunks: Int
    public let indexVectors: Int
    public let indexBytes: Int
    public let dimension: Int
    /// The model versions that answered.
    public let modelVersions: [String]
}

/// The demo's training run: the model it made, whether it became champion, and how it scored.
public struct DemoTraining: Sendable {
    public let modelVersion: String
    public let datasetVersion: String
    public let promoted: Bool
    public let metrics: [String: Double]
    public let seconds: Double
}

/// Everything a demo run found, and its text for a person to read.
public struct DemoReport: Sendable {
    public let crawl: CrawlReport
    public let catchUp: CatchUp
    public let training: DemoTraining
    public let answers: [DemoAnswer]
    public let summary: DemoSummary

    /// The answers with their sources, then the summary.
    public var text: String {
        var lines = ["", "Answers"]
        for (number, answer) in answers.enumerated() {
            lines.append("")
            lines.append("\(number + 1). \(answer.question.question)")
            let reply = answer.reply
            if reply.status != .ok {
                lines.append("   (\(reply.status.rawValue): \(reply.error ?? "no detail"))")
            } else if let text = reply.answer?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty {
                lines += Self.wrap(text, width: 96).map { "   " + $0 }
            }
            for quote in reply.evidence ?? [] {
                lines += Self.wrap("[\(quote.source)] \"\(quote.text)\"", width: 92).map { "     > " + $0 }
            }
            // A document often contributes several chunks: list each document once, at its best chunk.
            var listed: Set<String> = []
            for source in reply.sources where listed.insert(source.documentId).inserted {
                lines.append("   · \(source.title)  (score \(String(format: "%.2f", source.score)))  \(source.url)")
            }
            var timing = [String(format: "%.2f s round trip", answer.seconds)]
            for stage in ["embed", "search", "rerank", "generate", "ground"] {
                if let milliseconds = reply.timings[stage] { timing.append("\(stage) \(Int(milliseconds.rounded())) ms") }
            }
            lines.append("   " + timing.joined(separator: " · ") + (reply.modelVersion.map { " · model \($0)" } ?? ""))
        }
        lines += ["", "Summary"]
        lines.append("  events per topic")
        for (topic, count) in summary.events where count > 0 { lines.append("    \(topic.padding(toLength: 36, withPad: " ", startingAt: 0)) \(count)") }
        lines.append("  warehouse rows")
        for (table, count) in summary.rows { lines.append("    \(table.padding(toLength: 36, withPad: " ", startingAt: 0)) \(count)") }
        lines.append("  chunks             \(summary.chunks) live")
        lines.append(String(format: "  index              %d vectors of %d dimensions, %.1f MB in memory", summary.indexVectors, summary.dimension,
                            Double(summary.indexBytes) / 1_048_576))
        lines.append("  model              " + (summary.modelVersions.isEmpty ? "none (sources only)" : summary.modelVersions.joined(separator: ", ")))
        let roundTrips = answers.map(\.seconds).sorted()
        var latencies = [String(format: "crawl %.1f s", crawl.seconds), String(format: "crawl end → all chunks searchable %.1f s", catchUp.seconds)]
        if let median = roundTrips.dropFirst(roundTrips.count / 2).first, let slowest = roundTrips.last {
            latencies.append(String(format: "answers median %.2f s, slowest %.2f s", median, slowest))
        }
        let m = training.metrics
        lines.append("  training           \(training.modelVersion) on \(training.datasetVersion), "
            + String(format: "held-out perplexity %.2f (base %.2f), %.0f s, ", m["eval_perplexity"] ?? .nan, m["eval_perplexity_base"] ?? .nan,
                     training.seconds) + (training.promoted ? "promoted to champion" : "not promoted"))
        lines.append("  latencies          " + latencies.joined(separator: " · "))
        return lines.joined(separator: "\n")
    }

    /// `text` broken into lines of at most `width` characters at spaces.
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: true) {
            var line = ""
            for word in paragraph.split(separator: " ") {
                if !line.isEmpty, line.count + 1 + word.count > width {
                    lines.append(line)
                    line = ""
                }
                line += (line.isEmpty ? "" : " ") + word
            }
            if !line.isEmpty { lines.append(line) }
        }
        return lines
    }
}
