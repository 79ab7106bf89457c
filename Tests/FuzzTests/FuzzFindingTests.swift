import Foundation
import Testing
import TwinlogFuzz
import TwinlogTestSupport

/// Inputs that trapped a reader (the crashes issue 20 lists, in the shape the fuzz targets take
/// them), replayed with `twinlog fuzz TARGET --replay` in a child process: each must now be
/// rejected with an error, and a reader that still traps fails its test instead of ending the run.
/// Add a crash file the fuzz script finds here once its reader is fixed.
@Suite("fuzz findings: inputs that trapped are rejected")
struct FuzzFindingTests {
    static func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.littleEndian, Array.init) }

    /// The first seed of `target`.
    static func seed(_ target: String) throws -> [UInt8] {
        try #require(try FuzzTarget.named(target).prepare().seeds.first)
    }

    /// Replays `input` through `target`; returns the replay's JSON outcome.
    func replay(_ target: String, _ input: [UInt8]) async throws -> [String: String] {
        let path = temporaryPath("finding.bin")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(input).write(to: URL(fileURLWithPath: path))
        let run = try await FuzzProcess.run([target, "--replay", path, "--json"])
        try #require(run.status == 0, "twinlog fuzz \(target) --replay ended with status \(run.status): \(run.errors)")
        return try JSONDecoder().decode([String: String].self, from: Data(run.output.utf8))
    }

    func expectRejected(_ target: String, _ input: [UInt8], mentioning words: [String]) async throws {
        let outcome = try await replay(target, input)
        #expect(outcome["result"] == "rejected")
        let error = outcome["error"] ?? ""
        for word in words { #expect(error.contains(word), "the error does not say \(word): \(error)") }
    }

    @Test("a page whose bytes do not fit its declared charset is extracted without libxml2 writing to stderr")
    func libxmlStaysQuiet() async throws {
        let page = Array("<html><head><meta charset=\"iso-2022-jp\"></head><body><article><p>Hello ".utf8) + [0x1B, 0x24, 0x42, 0xFF, 0xFE]
            + Array(" world, a paragraph long enough to be kept as the page's text.</p></article></body></html>".utf8)
        let path = temporaryPath("finding.html")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(page).write(to: URL(fileURLWithPath: path))
        let run = try await FuzzProcess.run(["html", "--replay", path, "--json"])
        #expect(run.status == 0)
        #expect(run.errors.isEmpty, "stderr: \(run.errors)")
    }

    @Test("a safetensors header length of 2^64-1 is an error, not an integer conversion trap")
    func safetensorsHeaderLength() async throws {
        try await expectRejected("safetensors", [UInt8](repeating: 0xFF, count: 8) + Array("{}".utf8), mentioning: ["header"])
    }

    @Test("a GGUF general.alignment of 2^63-8 is an error, not an overflow while aligning the data start")
    func ggufAlignment() async throws {
        let file = Array("GGUF".utf8) + Self.le(UInt32(3)) + Self.le(UInt64(0)) + Self.le(UInt64(1))
            + Self.le(UInt64(17)) + Array("general.alignment".utf8) + Self.le(UInt32(10)) + Self.le((UInt64(1) << 63) - 8)
        try await expectRejected("gguf", file, mentioning: ["alignment"])
    }

    @Test("an index snapshot declaring a body of 2^64-1 bytes is an error, not a conversion trap or a huge allocation")
    func snapshotBodyLength() async throws {
        var file = try Self.seed("snapshot")
        file.replaceSubrange(16..<24, with: Self.le(UInt64.max))
        try await expectRejected("snapshot", file, mentioning: ["body"])
    }

    @Test("a LoRA artifact with a tensor of shape [2^26, 2^26, 2^26] is an error, not an overflow")
    func loraShapeOverflow() async throws {
        let seed = try Self.seed("lora")
        let length = Int(seed[8..<16].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        let header = String(decoding: seed[16..<(16 + length)], as: UTF8.self)
        let range = try #require(header.range(of: #""shape":\[[0-9]+,[0-9]+\]"#, options: .regularExpression))
        let hostile = Array(header.replacingCharacters(in: range, with: #""shape":[67108864,67108864,67108864]"#).utf8)
        let file = Array(seed[0..<8]) + Self.le(UInt64(hostile.count)) + hostile + Array(seed[(16 + length)...])
        try await expectRejected("lora", file, mentioning: ["shape"])
    }

    @Test("a JSON event repeating a member name is refused, so validation and decoding see the same value")
    func duplicateKey() async throws {
        let question = #"{"queryId":"q","question":"x","k":5,"maxTokens":16,"retrievalOnly":true,"deadline":"2027-01-15T08:00:00Z","k":-1}"#
        try await expectRejected("events", Array("twin.query.requested\n\(question)".utf8), mentioning: [#""k" appears twice"#])
    }

    @Test("a pgoutput tuple value of length -1 is an error, not a negative range")
    func pgoutputNegativeLength() async throws {
        let message: [UInt8] = [UInt8(ascii: "I"), 0, 0, 0, 5, UInt8(ascii: "N"), 0, 1, UInt8(ascii: "t"), 0xFF, 0xFF, 0xFF, 0xFF]
        try await expectRejected("pgoutput", message, mentioning: ["truncated"])
    }

    @Test("robots.txt with Crawl-delay nan, inf or 1e300 is read without a trap")
    func robotsCrawlDelay() async throws {
        for delay in ["nan", "inf", "1e300", "-1", "9223372036854775808"] {
            let outcome = try await replay("robots", Array("User-agent: *\nCrawl-delay: \(delay)\nDisallow: /x\n".utf8))
            #expect(outcome["result"] == "accepted")
        }
    }
}
