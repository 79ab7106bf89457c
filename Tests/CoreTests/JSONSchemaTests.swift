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
}
