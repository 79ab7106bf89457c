import ArgumentParser
import Foundation
import TwinlogRAG

/// A retrieval step `--retrieval-without` can switch off (`twinlog run`, `twinlog-bench evidence
/// --retrieve`), to measure what each one adds.
public enum RetrievalStep: String, CaseIterable, Sendable {
    /// Filters read from the question (author, platform, kind, dates).
    case selfQuery = "self-query"
    /// Boosting the sources the question names.
    case sourceBoost = "source-boost"
    /// BM25 candidates and the fusion of BM25 with cosine similarity.
    case bm25
    /// At most two chunks per document.
    case diversity
    /// A chunk for every name the question asks about, when a candidate mentions it.
    case nameCoverage = "name-coverage"
    /// A search of, and a chunk from, each of two or more sources the question names one by one.
    case sourceCoverage = "source-coverage"

    func switchOff(_ options: inout RetrievalOptions) {
        switch self {
        case .selfQuery: options.selfQuery = false
        case .sourceBoost: options.sourceBoost = false
        case .bm25: options.hybrid = false
        case .diversity: options.maxChunksPerDocument = nil
        case .nameCoverage: options.nameCoverage = false
        case .sourceCoverage: options.sourceCoverage = false
        }
    }

    /// The default options with the steps named in `list` (comma-separated) switched off; an
    /// unknown name is an error that lists the known ones.
    public static func options(without list: String?) throws -> RetrievalOptions {
        var options = RetrievalOptions()
        for name in (list ?? "").split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            guard let step = RetrievalStep(rawValue: name) else {
                throw ValidationError("--retrieval-without: unknown step '\(name)' (known: \(allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            step.switchOff(&options)
        }
        return options
    }
}
