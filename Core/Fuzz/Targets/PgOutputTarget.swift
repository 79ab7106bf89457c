import TwinlogPostgres

extension FuzzTarget {
    /// The pgoutput decoder the CDC relay runs on every logical replication message.
    static let pgoutput = FuzzTarget(name: "pgoutput", summary: "PgOutputMessage.decode of logical replication messages") {
        FuzzHarness(name: "pgoutput", seeds: PgOutputSeeds.messages) { input in _ = try PgOutputMessage.decode(input) }
    }
}

/// One message of each kind the relay sees, laid out as PostgreSQL sends them (big-endian).
enum PgOutputSeeds {
    static func be(_ value: UInt64, _ width: Int) -> [UInt8] { (0..<width).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) } }
    static func text(_ s: String) -> [UInt8] { Array(s.utf8) + [0] }
    static func tuple(_ values: [String?]) -> [UInt8] {
        be(UInt64(values.count), 2) + values.flatMap { value -> [UInt8] in
            guard let value else { return [UInt8(ascii: "n")] }
            return [UInt8(ascii: "t")] + be(UInt64(value.utf8.count), 4) + Array(value.utf8)
        }
    }
    static func tag(_ c: Character) -> [UInt8] { [c.asciiValue ?? 0] }

    static var messages: [[UInt8]] {
        let micros: UInt64 = 1_000_000 * 86_400 * 9_000
        return [
            tag("B") + be(0x16_B374_D848, 8) + be(micros, 8) + be(77, 4),
            tag("R") + be(16_384, 4) + text("public") + text("documents") + tag("f") + be(3, 2)
                + [1] + text("document_id") + be(25, 4) + be(UInt64(UInt32.max), 4)
                + [0] + text("title") + be(25, 4) + be(UInt64(UInt32.max), 4)
                + [0] + text("published_at") + be(1184, 4) + be(UInt64(UInt32.max), 4),
            tag("I") + be(16_384, 4) + tag("N") + tuple(["doc_1", "héllo wörld", "2024-03-01 12:00:00+00"]),
            tag("U") + be(16_384, 4) + tag("O") + tuple(["doc_1", "a", nil]) + tag("N") + tuple(["doc_1", "b", nil]),
            tag("U") + be(16_384, 4) + tag("K") + tuple(["doc_1", nil, nil]) + tag("N") + tuple(["doc_2", "c", "2024-01-01"]),
            tag("U") + be(16_384, 4) + tag("N") + be(3, 2) + tag("t") + be(5, 4) + Array("doc_1".utf8) + tag("u") + tag("n"),
            tag("D") + be(16_384, 4) + tag("K") + tuple(["doc_1", nil, nil]),
            tag("T") + be(2, 4) + [0] + be(16_384, 4) + be(16_385, 4),
            tag("C") + [0] + be(0x16_B374_D848, 8) + be(0x16_B374_D900, 8) + be(micros, 8),
            tag("Y") + be(1, 4) + text("public") + text("label"),
            tag("M") + [1] + be(0x10, 8) + text("prefix") + be(4, 4) + Array("body".utf8),
        ]
    }
}
