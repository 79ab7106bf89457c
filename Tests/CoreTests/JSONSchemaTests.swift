import Foundation
import Testing
import TwinlogEvents

@Suite("JSON Schema validator")
struct JSONSchemaTests {
    static let schema = try! JSONSchema(name: "test", json: Array("""
        {
          "type": "object",
          "required": ["name", "tags"],
          "additionalProperties": false,
          "$defs": {"tag": {"type": "string", "minLength": 2, "pattern": "^[a-z]+$"}},
          "properties": {
            "name": {"type": "string", "maxLength": 5},
            "age": {"type": "integer", "minimum": 0, "maximum": 150},
            "score": {"type": "number"},
            "kind": {"enum": ["a", "b"]},
            "when": {"type": "string", "format": "date-time"},
            "link": {"type": "string", "format": "uri"},
            "tags": {"type": "array", "items": {"$ref": "#/$defs/tag"}, "minItems": 1, "maxItems": 2},
            "note": {"type": ["string", "null"]},
            "either": {"oneOf": [{"type": "integer"}, {"type": "string"}]}
          }
        }
        """.utf8))

    func violations(_ json: String) throws -> [String] {
        Self.schema.violations(of: try JSONValue.parse(Array(json.utf8))).map(\.description)
    }

    @Test("a valid document has no violations")
    func valid() throws {
        #expect(try violations(#"{"name":"ab","age":3,"score":1,"kind":"a","when":"2026-11-28T10:00:00Z","link":"https://x.org","tags":["ok"],"note":null,"either":"s"}"#) == [])
    }

    @Test("each keyword reports the JSON pointer of the value that breaks it", arguments: [
        (#"{"tags":["ok"]}"#, "/: missing required property name"),
        (#"{"name":"toolong","tags":["ok"]}"#, "/name: longer than 5 characters"),
        (#"{"name":"a","tags":["ok"],"extra":1}"#, "/extra: property extra is not allowed"),
        (#"{"name":"a","tags":["ok"],"age":-1}"#, "/age: less than 0.0"),
        (#"{"name":"a","tags":["ok"],"age":1.5}"#, "/age: expected integer, found number"),
        (#"{"name":"a","tags":["ok"],"kind":"c"}"#, "/kind: must be one of a, b"),
        (#"{"name":"a","tags":["ok"],"when":"noon"}"#, "/when: not an RFC 3339 date-time"),
        (#"{"name":"a","tags":["ok"],"link":"no scheme"}"#, "/link: not an absolute URI"),
        (#"{"name":"a","tags":["ok","x"]}"#, "/tags/1: shorter than 2 characters"),
        (#"{"name":"a","tags":["OK"]}"#, "/tags/0: does not match ^[a-z]+$"),
        (#"{"name":"a","tags":[]}"#, "/tags: fewer than 1 items"),
        (#"{"name":"a","tags":["ab","cd","ef"]}"#, "/tags: more than 2 items"),
        (#"{"name":"a","tags":["ok"],"note":3}"#, "/note: expected string or null, found integer"),
        (#"{"name":"a","tags":["ok"],"either":true}"#, "/either: matches 0 of the oneOf shapes, expected exactly 1"),
        (#"[1]"#, "/: expected object, found array"),
    ])
    func keywordViolations(json: String, expected: String) throws {
        let found = try violations(json)
        #expect(found.contains(expected), "got \(found)")
    }

    @Test("a schema using an unsupported keyword is refused when it loads")
    func unsupportedKeyword() {
        #expect { try JSONSchema(name: "x", json: Array(#"{"type":"object","patternProperties":{}}"#.utf8)) } throws: {
            "\($0)".contains("patternProperties")
        }
    }

    @Test("integers, numbers and booleans stay distinct when parsed")
    func jsonTypes() throws {
        #expect(try JSONValue.parse(Array("1".utf8)) == .integer(1))
        #expect(try JSONValue.parse(Array("1.5".utf8)) == .number(1.5))
        #expect(try JSONValue.parse(Array("true".utf8)) == .bool(true))
        #expect(try JSONValue.parse(Array(#"{"a":[null]}"#.utf8)) == .object(["a": .array([.null])]))
    }

    @Test("strings decode every escape, including surrogate pairs")
    func stringEscapes() throws {
        let json = #"["a\"b\\c\/d\b\f\n\r\t", "\u00e9\u4e2d", "\ud83d\ude00", "plain é 😀"]"#
        #expect(try JSONValue.parse(Array(json.utf8)) == .array([
            .string("a\"b\\c/d\u{08}\u{0C}\n\r\t"), .string("é中"), .string("😀"), .string("plain é 😀"),
        ]))
    }

    @Test("numbers: exact integers, doubles, exponents, and integers too large for Int64")
    func numbers() throws {
        #expect(try JSONValue.parse(Array("[-0, 9223372036854775807, -1.25e2, 1E3, 18446744073709551616]".utf8)) == .array([
            .integer(0), .integer(Int64.max), .number(-125), .number(1000), .number(18446744073709551616),
        ]))
    }

    @Test("what the parser reads back equals what JSONEncoder wrote")
    func encoderRoundTrip() throws {
        let value: JSONValue = .object(["text": .string("line\n\"quoted\" \u{01} ünï 😀"), "n": .integer(-7), "x": .number(0.1),
                                        "flags": .array([.bool(true), .bool(false), .null]), "nested": .object(["k": .array([])])])
        #expect(try JSONValue.parse(Array(try JSONEncoder().encode(value))) == value)
    }

    @Test("malformed JSON is refused with the byte offset and the reason", arguments: [
        ("{\"a\":1,}", 7, "member name"), ("[1 2]", 3, "expected ']'"), ("\"abc", 0, "unterminated"),
        ("01", 1, "after the document"), ("[\"\\x\"]", 2, "invalid escape"), ("\"\\ud800\"", 1, "low surrogate"),
        ("tru", 0, "expected true"), ("1.", 2, "decimal point"), ("1e400", 0, "out of range"), ("", 0, "end of input"),
        ("\"tab\there\"", 4, "control character"), ("{\"k\": 5, \"q\": 1, \"k\": -1}", 17, "member \"k\" appears twice"),
    ])
    func malformed(json: String, offset: Int, reason: String) {
        #expect { try JSONValue.parse(Array(json.utf8)) } throws: { error in
            guard let error = error as? JSONParseError else { return false }
            return error.offset == offset && error.reason.contains(reason)
        }
    }

    @Test("invalid UTF-8 inside a string is refused, not replaced")
    func invalidUTF8() {
        #expect { try JSONValue.parse([0x22, 0x61, 0xC3, 0x28, 0x22]) } throws: { error in
            (error as? JSONParseError).map { $0.offset == 0 && $0.reason == "string is not valid UTF-8" } ?? false
        }
    }

    @Test("a query whose k is repeated is refused before validation, so the validated value is the one used")
    func duplicateMembers() throws {
        let body = #"{"queryId": "q1", "question": "moth?", "k": 5, "maxTokens": 16, "retrievalOnly": true, "deadline": "2030-01-01T00:00:00Z", "k": -1}"#
        #expect { try EventCodec.validate(Array(body.utf8), as: QueryRequested.self) } throws: { "\($0)".contains("member \"k\" appears twice") }
    }

    @Test("nesting deeper than the limit is refused instead of exhausting the stack")
    func deepNesting() {
        let depth = 100_000
        let json = Array(repeating: UInt8(ascii: "["), count: depth) + Array(repeating: UInt8(ascii: "]"), count: depth)
        #expect { try JSONValue.parse(json) } throws: { "\($0)".contains("nesting deeper than 256") }
    }
}
