import Crypto
import Foundation
import TwinlogTraining

/// A warehouse document as the dataset builder reads it, with its text already cut into passages
/// (the feature pipeline's chunks).
public struct SourceDocument: Sendable, Equatable {
    public var documentId: String
    public var authorId: String
    /// `medium`, `linkedin`, `github`, `article` (the warehouse's platform column).
    public var platform: String
    /// `post`, `article`, `repository_file`.
    public var kind: String
    public var title: String
    public var passages: [String]

    public init(documentId: String, authorId: String, platform: String, kind: String, title: String, passages: [String]) {
        self.documentId = documentId
        self.authorId = authorId
        self.platform = platform
        self.kind = kind
        self.title = title
        self.passages = passages
    }
}

/// One instruction sample with where it came from.
public struct DatasetSample: Sendable, Equatable, Codable {
    public enum Split: String, Sendable, Codable { case train, eval }
    public var split: Split
    public var documentId: String
    public var instruction: String
    public var output: String

    public var instructionSample: InstructionSample { InstructionSample(instruction: instruction, output: output) }
}

/// How many candidates each rule removed, and what was left.
public struct FilterStatistics: Sendable, Equatable, Codable {
    public var documents = 0
    public var candidates = 0
    public var rejected: [String: Int] = [:]
    public var train = 0
    public var eval = 0
    public var preferencePairs = 0

    public init() {}
}

/// A dataset: train and eval samples, preference pairs and the statistics of how they were chosen.
public struct Dataset: Sendable, Equatable {
    public var train: [DatasetSample]
    public var eval: [DatasetSample]
    public var preferences: [PreferencePair]
    public var statistics: FilterStatistics
}

/// The settings of dataset generation; part of a dataset's lineage.
public struct DatasetRecipe: Sendable, Equatable, Codable {
    public var quality: TextQuality
    public var nearDuplicateThreshold: Double
    public var decontaminationNGram: Int
    /// The share of documents (in percent) held out for evaluation.
    public var evalPercent: Int
    /// Salts the document split, so another salt gives another (still deterministic) split.
    public var splitSalt: String
    /// Preference pairs at most (each costs one generation with the base model).
    public var maxPreferencePairs: Int

    public init(quality: TextQuality = TextQuality(), nearDuplicateThreshold: Double = 0.85, decontaminationNGram: Int = 13,
                evalPercent: Int = 15, splitSalt: String = "twinlog", maxPreferencePairs: Int = 16) {
        self.quality = quality
        self.nearDuplicateThreshold = nearDuplicateThreshold
        self.decontaminationNGram = decontaminationNGram
        self.evalPercent = evalPercent
        self.splitSalt = splitSalt
        self.maxPreferencePairs = maxPreferencePairs
    }
}

/// Turns documents into a dataset: candidate passages → quality filters → exact and near-duplicate
/// removal → a deterministic split by document → decontamination of train against eval →
/// instructions from metadata and key phrases → preference pairs. The same documents and recipe
/// always give the same dataset, in the same order.
public struct DatasetBuilder: Sendable {
    public var recipe: DatasetRecipe

    public init(recipe: DatasetRecipe = DatasetRecipe()) {
        self.recipe = recipe
    }

    /// Builds the dataset. `answer` gives the base model's answer to an instruction (the rejected
    /// side of a preference pair); nil builds no pairs.
    public func build(_ documents: [SourceDocument], answer: ((String) throws -> String)? = nil) throws -> Dataset {
        var statistics = FilterStatistics()
        let ordered = documents.sorted { $0.documentId < $1.documentId }
        statistics.documents = ordered.count

        var candidates: [(document: SourceDocument, text: String)] = []
        var seen = Set<String>()
        func reject(_ reason: SampleRejection) { statistics.rejected[reason.rawValue, default: 0] += 1 }
        for document in ordered {
            for passage in document.passages {
                statistics.candidates += 1
                let text = passage.trimmingCharacters(in: .whitespacesAndNewlines)
                if let reason = recipe.quality.rejection(of: text) { reject(reason); continue }
                let normalized = TextQuality.words(text.lowercased()).joined(separator: " ")
                guard seen.insert(normalized).inserted else { reject(.exactDuplicate); continue }
                candidates.append((document, text))
            }
        }
        let near = NearDuplicateDetector(threshold: recipe.nearDuplicateThreshold).duplicates(in: candidates.map(\.text))
        candidates = zip(candidates, near).compactMap { candidate, duplicate in
            if duplicate { reject(.nearDuplicate); return nil }
            return candidate
        }

        let evalDocuments = heldOutDocuments(Array(Set(candidates.map(\.document.documentId))))
        let phrases = KeyPhrases(corpus: candidates.map(\.text))
        var train: [DatasetSample] = [], eval: [DatasetSample] = []
        for (document, text) in candidates {
            let sample = DatasetSample(split: evalDocuments.contains(document.documentId) ? .eval : .train, documentId: document.documentId,
                                       instruction: Self.instruction(for: document, phrases: phrases.top(3, in: text)), output: text)
            if sample.split == .eval { eval.append(sample) } else { train.append(sample) }
        }
        let contaminated = Decontaminator(ngram: recipe.decontaminationNGram).contaminated(train.map(\.output), heldOut: eval.map(\.output))
        train = zip(train, contaminated).compactMap { sample, bad in
            if bad { reject(.contaminated); return nil }
            return sample
        }

        var preferences: [PreferencePair] = []
        if let answer {
            for sample in train.prefix(recipe.maxPreferencePairs) {
                preferences.append(PreferencePair(instruction: sample.instruction, chosen: sample.output, rejected: try answer(sample.instruction)))
            }
        }
        statistics.train = train.count
        statistics.eval = eval.count
        statistics.preferencePairs = preferences.count
        return Dataset(train: train, eval: eval, preferences: preferences, statistics: statistics)
    }

    /// The documents held out: those whose salted hash falls in the eval share; at least one when
    /// there are two or more documents, never all of them.
    func heldOutDocuments(_ ids: [String]) -> Set<String> {
        guard ids.count >= 2 else { return [] }
        let ranked = ids.map { (id: $0, bucket: bucket(of: $0)) }.sorted { ($0.bucket, $0.id) < ($1.bucket, $1.id) }
        var held = Set(ranked.filter { $0.bucket < recipe.evalPercent * 100 }.map(\.id))
        if held.isEmpty { held.insert(ranked[0].id) }
        if held.count == ids.count { held.remove(ranked[ranked.count - 1].id) }
        return held
    }

    /// A document's place in 0..<10000, from SHA-256 of the salt and its id.
    func bucket(of documentId: String) -> Int {
        let digest = Array(SHA256.hash(data: Data((recipe.splitSalt + "\u{0}" + documentId).utf8)))
        let value = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Int(value % 10_000)
    }

    /// The instruction for a passage: what the author would have been asked to write, from the
    /// platform, the kind, the title and the passage's key phrases.
    static func instruction(for document: SourceDocument, phrases: [String]) -> String {
        let topic = phrases.isEmpty ? "" : " about " + Self.list(phrases)
        let title = document.title.trimmingCharacters(in: .whitespacesAndNewlines)
        switch (document.platform, document.kind) {
        case ("linkedin", _), (_, "post"):
            return "Write a LinkedIn post\(topic)."
        case ("github", _), (_, "repository_file"):
            let subject = title.isEmpty ? "the project's documentation" : "the documentation of \"\(title)\""
            return "Write the part of \(subject)\(phrases.isEmpty ? "" : " that explains " + Self.list(phrases))."
        case ("medium", _):
            return "Write a passage of your Medium article\(title.isEmpty ? "" : " \"\(title)\"")\(topic)."
        default:
            return "Write a passage of your article\(title.isEmpty ? "" : " \"\(title)\"")\(topic)."
        }
    }

    static func list(_ items: [String]) -> String {
        switch items.count {
        case 0: ""
        case 1: items[0]
        default: items.dropLast().joined(separator: ", ") + " and " + items.last!
        }
    }
}

/// TF-IDF key phrases: the words that make a passage different from the rest of the corpus.
struct KeyPhrases {
    private let documentFrequency: [String: Int]
    private let documents: Int

    init(corpus: [String]) {
        var frequency: [String: Int] = [:]
        for text in corpus {
            for word in Set(Self.terms(text)) { frequency[word, default: 0] += 1 }
        }
        documentFrequency = frequency
        documents = corpus.count
    }

    /// The `count` highest-scoring terms of `text` (ties alphabetical).
    func top(_ count: Int, in text: String) -> [String] {
        var termFrequency: [String: Int] = [:]
        for term in Self.terms(text) { termFrequency[term, default: 0] += 1 }
        let scored = termFrequency.map { term, tf in
            (term: term, score: Double(tf) * log(Double(documents + 1) / Double((documentFrequency[term] ?? 0) + 1)))
        }
        return scored.sorted { ($0.score, $1.term) > ($1.score, $0.term) }.prefix(count).map(\.term)
    }

    /// Candidate terms: words of four letters or more that are not function words or masks.
    static func terms(_ text: String) -> [String] {
        TextQuality.words(text.lowercased()).filter {
            $0.count >= 4 && !TextQuality.functionWords.contains($0) && !["url", "email", "phone"].contains($0) && $0.contains(where: \.isLetter)
        }
    }
}
