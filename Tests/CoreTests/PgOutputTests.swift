import Foundation
import Testing
import TwinlogPostgres

@Suite("pgoutput decoding")
struct PgOutputTests {
    /// Big-endian bytes of an integer of `width` bytes.
    func be(_ value: UInt64, _ width: Int) -> [UInt8] { (0..<width).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) } }
    func text(_ s: String) -> [UInt8] { Array(s.utf8) + [0] }
    func tuple(_ values: [String?]) -> [UInt8] {
        be(UInt64(values.count), 2) + values.flatMap { value -> [UInt8] in
            guard let value else { return [UInt8(ascii: "n")] }
            return [UInt8(ascii: "t")] + be(UInt64(value.utf8.count), 4) + Array(value.utf8)
        }
    }

    @Test("LSNs parse and print in PostgreSQL's X/X form and order numerically")
    func lsn() {
        let lsn = LSN(text: "16/B374D848")
        #expect(lsn?.value == 0x16_B374_D848)
        #expect(lsn?.description == "16/B374D848")
        #expect(LSN(text: "nope") == nil)
        #expect(LSN(text: "0/10")! < LSN(text: "1/0")!)
    }

    @Test("begin, relation, insert, update with old row, delete, truncate and commit decode with their fields")
    func messages() throws {
        let micros: UInt64 = 1_000_000 * 86_400  // one day after 2000-01-01
        let begin = try PgOutputMessage.decode([UInt8(ascii: "B")] + be(0x10, 8) + be(micros, 8) + be(77, 4))
        #expect(begin == .begin(finalLSN: LSN(0x10), commitTime: Date(timeIntervalSince1970: 946_684_800 + 86_400), xid: 77))

        let relation = try PgOutputMessage.decode([UInt8(ascii: "R")] + be(5, 4) + text("public") + text("documents") + [UInt8(ascii: "f")]
                                                  + be(2, 2) + [1] + text("document_id") + be(25, 4) + be(UInt64(UInt32.max), 4)
                                                  + [0] + text("title") + be(25, 4) + be(UInt64(UInt32.max), 4))
        guard case .relation(let r) = relation else { Issue.record("not a relation: \(relation)"); return }
        #expect(r.name == "documents" && r.namespace == "public" && r.replicaIdentity == "f")
        #expect(r.columns.map(\.name) == ["document_id", "title"])
        #expect(r.columns.map(\.isKey) == [true, false])

        #expect(try PgOutputMessage.decode([UInt8(ascii: "I")] + be(5, 4) + [UInt8(ascii: "N")] + tuple(["d1", "héllo"]))
                == .insert(relation: 5, new: [.text("d1"), .text("héllo")]))
        #expect(try PgOutputMessage.decode([UInt8(ascii: "U")] + be(5, 4) + [UInt8(ascii: "O")] + tuple(["d1", "a"]) + [UInt8(ascii: "N")] + tuple(["d1", nil]))
                == .update(relation: 5, old: [.text("d1"), .text("a")], new: [.text("d1"), .null]))
        #expect(try PgOutputMessage.decode([UInt8(ascii: "U")] + be(5, 4) + [UInt8(ascii: "N")] + tuple(["d1", "b"]))
                == .update(relation: 5, old: nil, new: [.text("d1"), .text("b")]))
        #expect(try PgOutputMessage.decode([UInt8(ascii: "D")] + be(5, 4) + [UInt8(ascii: "K")] + tuple(["d1", nil]))
                == .delete(relation: 5, old: [.text("d1"), .null]))
        #expect(try PgOutputMessage.decode([UInt8(ascii: "T")] + be(2, 4) + [0] + be(5, 4) + be(6, 4)) == .truncate(relations: [5, 6]))
        #expect(try PgOutputMessage.decode([UInt8(ascii: "C")] + [0] + be(0x10, 8) + be(0x20, 8) + be(micros, 8))
                == .commit(commitLSN: LSN(0x10), endLSN: LSN(0x20), commitTime: Date(timeIntervalSince1970: 946_684_800 + 86_400)))
        #expect(try PgOutputMessage.decode([UInt8(ascii: "Y")] + be(1, 4) + text("s") + text("t")) == .ignored("Y"))
    }

    @Test("truncated or unknown messages are errors that say where, never crashes")
    func malformed() {
        #expect { try PgOutputMessage.decode([UInt8(ascii: "I")] + [0, 0]) } throws: { "\($0)".contains("truncated") }
        #expect { try PgOutputMessage.decode([UInt8(ascii: "R")] + [0, 0, 0, 1] + Array("no terminator".utf8)) } throws: { "\($0)".contains("unterminated") }
        #expect { try PgOutputMessage.decode([UInt8(ascii: "Z")]) } throws: { "\($0)".contains("unknown pgoutput message type Z") }
        #expect { try PgOutputMessage.decode([UInt8(ascii: "I"), 0, 0, 0, 1, UInt8(ascii: "N"), 0, 1, UInt8(ascii: "t"), 0xff, 0xff, 0xff, 0xff]) } throws: { "\($0)".contains("truncated") }
        #expect { try PgOutputMessage.decode([]) } throws: { "\($0)".contains("truncated") }
    }
}
