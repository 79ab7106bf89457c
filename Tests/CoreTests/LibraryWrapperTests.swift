import Foundation
import Testing
import TwinlogCompression
import TwinlogHTML
import TwinlogLinalg
import TwinlogPostgres

@Suite("C library wrappers and pure helpers")
struct LibraryWrapperTests {
    @Test("zstd round-trips data and rejects corrupt or non-zstd input with a reason")
    func zstd() throws {
        let input = Array((0..<100_000).map { UInt8(truncatingIfNeeded: $0 % 251) })
        let packed = try Zstd.compress(input)
        #expect(packed.count < input.count / 10)
        #expect(try Zstd.decompress(packed) == input)
        #expect { try Zstd.decompress(Array("plain text".utf8)) } throws: { "\($0)".contains("zstd") }
        var corrupt = packed
        corrupt[corrupt.count / 2] ^= 0xff
        #expect(throws: Zstd.Error.self) { try Zstd.decompress(corrupt) }
        #expect { try Zstd.decompress(packed, limit: 10) } throws: { "\($0)".contains("over the limit") }
    }

    @Test("sgemm multiplies row-major matrices, transposed or not")
    func gemm() {
        let a: [Float] = [1, 2, 3, 4, 5, 6]  // 2×3
        let b: [Float] = [7, 8, 9, 10, 11, 12]  // 3×2
        var c = [Float](repeating: 0, count: 4)
        BLAS.gemm(.none, .none, m: 2, n: 2, k: 3, a: a, lda: 3, b: b, ldb: 2, c: &c, ldc: 2)
        #expect(c == [58, 64, 139, 154])
        var ct = [Float](repeating: 0, count: 4)
        // A·Aᵀ: (2×3)·(3×2)
        BLAS.gemm(.none, .transposed, m: 2, n: 2, k: 3, a: a, lda: 3, b: a, ldb: 3, c: &ct, ldc: 2)
        #expect(ct == [14, 32, 32, 77])
        #expect(BLAS.dot([1, 2, 3], [4, 5, 6], count: 3) == 32)
    }

    @Test("HTML parsing repairs broken markup and never crashes on invalid bytes")
    func html() throws {
        let page = try HTMLDocument(bytes: Array("<html><head><title> A  title </title></head><body><p class=x>one<p>two & <b>three</body>".utf8))
        #expect(page.title == "A title")
        let body = try #require(page.first(named: "body"))
        #expect(HTMLDocument.collapse(HTMLDocument.text(of: body)) == "onetwo & three")
        guard case .element(_, let attributes, _)? = page.first(named: "p") else { Issue.record("no <p>"); return }
        #expect(attributes["class"] == "x")
        let garbage = try HTMLDocument(bytes: [0x3c, 0x70, 0x3e, 0xff, 0xfe, 0xc3, 0x28, 0x3c, 0x2f, 0x70, 0x3e], encoding: "utf-8")
        #expect(page.root != garbage.root)
    }

    @Test("query interpolation turns values into numbered parameters and quotes identifiers")
    func queryInterpolation() {
        let name = "x'; DROP TABLE t; --"
        let schema = #"we"ird"#
        let query: PostgresQuery = "SELECT * FROM \(identifier: schema).t WHERE a = \(name) AND b = \(42) AND c = \(Optional<Int>.none)"
        #expect(query.sql == #"SELECT * FROM "we""ird".t WHERE a = $1 AND b = $2 AND c = $3"#)
        #expect(query.parameters == [name, "42", nil])
    }

    @Test("timestamps survive the PostgreSQL text format to the microsecond")
    func timestamps() throws {
        let date = Date(timeIntervalSince1970: 1_800_000_000.123456)
        let text = PostgresTimestamp.format(date)
        #expect(text == "2027-01-15 08:00:00.123456+00")
        #expect(abs(try #require(PostgresTimestamp.parse(text)).timeIntervalSince(date)) < 1e-6)
        #expect(PostgresTimestamp.parse("2026-11-28 16:48:57+02")?.timeIntervalSince1970 == PostgresTimestamp.parse("2026-11-28 14:48:57+00")?.timeIntervalSince1970)
        #expect(PostgresTimestamp.parse("yesterday") == nil)
    }
}
