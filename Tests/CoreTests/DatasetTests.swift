import Foundation
import Testing
import TwinlogDataset
import TwinlogTestSupport
import TwinlogTraining

private let prose = "The harbour was quiet when I wrote this, and the lamp turned over the water while the log of the night filled up with the small events that make a shift."

private func document(_ id: String, _ passages: [String], platform: String = "medium", kind: String = "article",
                      title: String = "Notes from the lamp room") -> SourceDocument {
    SourceDocument(documentId: id, authorId: "marta", platform: platform, kind: kind, title: title, passages: passages)
}

/// A distinct prose passage: four sentences whose nouns and adjectives are drawn by a seeded
/// generator, so passages share no long word sequence.
private func passage(_ i: Int) -> String {
    let nouns = ["harbour", "reef", "jetty", "cliff", "beacon", "channel", "island", "shoal", "ledger", "replica", "offset", "partition",
                 "snapshot", "index", "schema", "consumer", "relay", "checkpoint", "lantern", "compass", "anchor", "gull", "storm", "ferry"]
    let adjectives = ["calm", "restless", "bright", "grey", "patient", "stubborn", "quiet", "salty", "careful", "late", "early", "honest"]
    var state = UInt64(i) &* 0x9E37_79B9_7F4A_7C15 &+ 17
    func pick(_ words: [String]) -> String {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return words[Int(state >> 33) % words.count]
    }
    return (0..<4).map { _ in
        "I remember the \(pick(adjectives)) \(pick(nouns)) near the \(pick(nouns)), and it was \(pick(adjectives)) when the \(pick(nouns)) met the \(pick(nouns))."
    }.joined(separator: " ")
}

@Suite("dataset quality rules")
struct TextQualityTests {
    let quality = TextQuality()

    @Test("each rule names what it rejects", arguments: [
        ("Too short to teach anything.", SampleRejection.tooShort),
        (String(repeating: prose + " ", count: 40), .tooLong),
        (prose + " Click here to buy now and get a discount code!", .spam),
        (prose + " Reach me at [EMAIL], [PHONE] or [URL].", .spam),
        (prose + " !!!!!!!!!!!!", .spam),
        ("let x = map(y) { $0 * 2 } ; let z = [x, y].reduce(0, +) ; print(z) // {{{ }}} == != <= >= ;;;; 0x1F 0x2A", .notProse),
        ("Der Leuchtturm stand still am Ufer, während die Schiffe langsam vorbeizogen und die Möwen über dem Wasser kreisten.", .notEnglish),
    ])
    func rejects(_ text: String, _ reason: SampleRejection) {
        #expect(quality.rejection(of: text) == reason)
    }

    @Test("ordinary prose passes")
    func passes() {
        #expect(quality.rejection(of: prose) == nil)
        #expect(quality.rejection(of: passage(3)) == nil)
    }
}

@Suite("near duplicates and decontamination")
struct NearDuplicateTests {
    @Test("a passage with one word changed is a near duplicate; different passages are not")
    func nearDuplicates() {
        let original = passage(1) + " " + passage(2)
        let edited = original.replacingOccurrences(of: "patience", with: "persistence")
        let flags = NearDuplicateDetector().duplicates(in: [original, passage(5), edited, passage(6)])
        #expect(flags == [false, false, true, false])
    }

    @Test("a training passage that quotes 13 words of an eval passage is contaminated; 12 words are not")
    func decontamination() {
        let held = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
        let quoting = "Before that, " + "one two three four five six seven eight nine ten eleven twelve thirteen" + " and more."
        let near = "Before that, " + "one two three four five six seven eight nine ten eleven twelve" + " and more."
        #expect(Decontaminator().contaminated([quoting, near, passage(4)], heldOut: [held]) == [true, false, false])
    }

    @Test("a sign-off every post shares is boilerplate, not contamination")
    func boilerplate() {
        let signOff = " Until the next watch, keep your lanterns trimmed and your logs honest, friends of the lamp room."
        let posts = (0..<12).map { passage($0) + signOff }
        #expect(Decontaminator().contaminated(Array(posts[2...]), heldOut: Array(posts[..<2])) == Array(repeating: false, count: 10))
        #expect(Decontaminator().contaminated([passage(20) + " " + passage(0)], heldOut: [posts[0]]) == [true])
    }
}

@Suite("dataset builder and artifact")
struct DatasetBuilderTests {
    func corpus() -> [SourceDocument] {
        (0..<20).map { d in document("doc-\(d)", (0..<3).map { passage(d * 3 + $0) }) }
    }

    @Test("the same documents give the same dataset in any input order; the split never divides a document")
    func deterministicSplitByDocument() throws {
        let builder = DatasetBuilder()
        let a = try builder.build(corpus()), b = try builder.build(corpus().reversed())
        #expect(a == b)
        #expect(!a.train.isEmpty && !a.eval.isEmpty)
        #expect(Set(a.train.map(\.documentId)).isDisjoint(with: Set(a.eval.map(\.documentId))))
        #expect(a.statistics.candidates == 60)
        #expect(a.train.count + a.eval.count + a.statistics.rejected.values.reduce(0, +) == 60, "every candidate is kept or counted")
        #expect(a.train.count + a.eval.count >= 55, "distinct prose passages mostly survive: \(a.statistics)")
        let other = try DatasetBuilder(recipe: DatasetRecipe(splitSalt: "another")).build(corpus())
        #expect(Set(other.eval.map(\.documentId)) != Set(a.eval.map(\.documentId)))
    }

    @Test("filters, duplicates and contamination are removed and counted")
    func filtersAreCounted() throws {
        var documents = corpus()
        documents.append(document("doc-spam", [prose + " Click here to subscribe now!"]))
        documents.append(document("doc-copy", [passage(0)]))
        documents.append(document("doc-short", ["Ahoy."]))
        let dataset = try DatasetBuilder().build(documents)
        #expect(dataset.statistics.rejected["spam"] == 1)
        #expect(dataset.statistics.rejected["exact_duplicate"] == 1)
        #expect(dataset.statistics.rejected["too_short"] == 1)
        #expect(!(dataset.train + dataset.eval).contains { $0.documentId == "doc-spam" || $0.documentId == "doc-short" })
    }

    @Test("instructions come from the platform, kind, title and the passage's key phrases")
    func instructions() throws {
        let documents = [
            document("a", [passage(1)], platform: "linkedin", kind: "post"),
            document("b", [passage(2)], platform: "github", kind: "repository_file", title: "README.md"),
            document("c", [passage(3)], platform: "medium", kind: "article", title: "Tides"),
        ]
        let dataset = try DatasetBuilder(recipe: DatasetRecipe(evalPercent: 0)).build(documents)
        let byDocument = Dictionary(uniqueKeysWithValues: (dataset.train + dataset.eval).map { ($0.documentId, $0.instruction) })
        #expect(byDocument["a"]?.hasPrefix("Write a LinkedIn post about ") == true)
        #expect(byDocument["b"]?.hasPrefix("Write the part of the documentation of \"README.md\" that explains ") == true)
        #expect(byDocument["c"]?.hasPrefix("Write a passage of your Medium article \"Tides\" about ") == true)
        #expect(byDocument["c"]?.contains("remember") == false, "a word every passage shares is not a key phrase")
    }

    @Test("preference pairs put the author's text over the answer the base model gave")
    func preferencePairs() throws {
        let dataset = try DatasetBuilder(recipe: DatasetRecipe(maxPreferencePairs: 2)).build(corpus()) { "Generic answer to: " + $0 }
        #expect(dataset.preferences.count == 2)
        #expect(dataset.preferences.allSatisfy { $0.rejected == "Generic answer to: " + $0.instruction })
        #expect(dataset.preferences.map(\.chosen) == dataset.train.prefix(2).map(\.output))
    }

    @Test("the artifact is content-addressed, round-trips, and a damaged file is refused with its reason")
    func artifact() throws {
        let folder = temporaryPath("dataset")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let dataset = try DatasetBuilder(recipe: DatasetRecipe(maxPreferencePairs: 1)).build(corpus()) { _ in "plain" }
        let artifact = DatasetArtifact(dataset)
        #expect(artifact.version.hasPrefix("ds-") && artifact.version.count == 19)
        #expect(DatasetArtifact(try DatasetBuilder(recipe: DatasetRecipe(maxPreferencePairs: 1)).build(corpus()) { _ in "plain" }).version == artifact.version)
        let path = try artifact.write(into: folder)
        let read = try DatasetArtifact.read(path: path, expectedSha256: artifact.sha256)
        #expect(read.dataset.train == dataset.train && read.dataset.eval == dataset.eval && read.dataset.preferences == dataset.preferences)
        #expect(read.sha256 == artifact.sha256)

        #expect(throws: DatasetError.self) { try DatasetArtifact.read(path: path, expectedSha256: String(repeating: "0", count: 64)) }
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[bytes.count / 2] ^= 0xFF
        let damaged = folder + "/damaged.jsonl.zst"
        try bytes.write(to: URL(fileURLWithPath: damaged))
        do {
            _ = try DatasetArtifact.read(path: damaged)
            Issue.record("a damaged artifact should be refused")
        } catch let error as DatasetError {
            #expect(error.description.contains(damaged))
        }
    }
}
