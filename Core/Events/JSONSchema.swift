import Foundation

/// A validator for the subset of JSON Schema (draft 2020-12) that Twinlog's event schemas use:
/// `type` (one or a list), `properties`, `required`, `additionalProperties` (boolean or schema),
/// `items`, `minItems`, `maxItems`, `enum`, `const`, `minLength`, `maxLength`, `pattern`,
/// `minimum`, `maximum`, `format` (`date-time`, `uri`), `$ref` to `#/$defs/…`, `anyOf`, `oneOf`.
///
/// Written by hand because no maintained JSON Schema validator exists among the Swift packages
/// available to this project; the subset is small and every keyword is tested. An unsupported
/// keyword in a schema is rejected when the schema loads, so a schema can never silently promise
/// more than is checked.
public struct JSONSchema: Sendable {
    /// A place in a document where validation failed, as a JSON Pointer, and why.
    public struct Violation: Error, CustomStringConvertible, Sendable, Equatable {
        public let pointer: String
        public let reason: String
        public var description: String { "\(pointer.isEmpty ? "/" : pointer): \(reason)" }
    }

    /// Why a schema document itself is unusable.
    public struct InvalidSchema: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public let root: JSONValue
    public let name: String
    /// The schema's `pattern` keywords, compiled once when it loads.
    private let patterns: [String: NSRegularExpression]

    private static let supported: Set<String> = [
        "$schema", "$id", "$defs", "$ref", "title", "description", "type", "properties", "required",
        "additionalProperties", "items", "minItems", "maxItems", "enum", "const", "minLength", "maxLength",
        "pattern", "minimum", "maximum", "format", "anyOf", "oneOf", "examples", "default",
    ]

    public init(name: String, json: [UInt8]) throws {
        let root: JSONValue
        do { root = try JSONValue.parse(json) } catch {
            throw InvalidSchema(description: "schema \(name) is not valid JSON: \(error)")
        }
        var patterns: [String: NSRegularExpression] = [:]
        try Self.checkKeywords(root, at: "", schema: name, patterns: &patterns)
        self.root = root
        self.name = name
        self.patterns = patterns
    }

    /// All violations of `value` against the schema (empty when valid), at most `limit`.
    public func violations(of value: JSONValue, limit: Int = 10) -> [Violation] {
        var found: [Violation] = []
        check(value, against: root, at: "", into: &found, limit: limit)
        return found
    }

    /// Throws the first violation, if any.
    public func validate(_ value: JSONValue) throws(Violation) {
        if let first = violations(of: value, limit: 1).first { throw first }
    }

    private static func checkKeywords(_ schema: JSONValue, at path: String, schema name: String,
                                      patterns: inout [String: NSRegularExpression]) throws {
        guard case .object(let members) = schema else {
            if case .bool = schema { return }
            throw InvalidSchema(description: "schema \(name) at \(path): a schema must be an object or boolean")
        }
        for (key, value) in members {
            guard supported.contains(key) else {
                throw InvalidSchema(description: "schema \(name) at \(path): keyword \(key) is not supported by the validator")
            }
            switch key {
            case "properties", "$defs":
                guard case .object(let children) = value else { continue }
                for (child, sub) in children { try checkKeywords(sub, at: "\(path)/\(key)/\(child)", schema: name, patterns: &patterns) }
            case "items", "additionalProperties":
                try checkKeywords(value, at: "\(path)/\(key)", schema: name, patterns: &patterns)
            case "anyOf", "oneOf":
                guard case .array(let options) = value else { continue }
                for (i, sub) in options.enumerated() { try checkKeywords(sub, at: "\(path)/\(key)/\(i)", schema: name, patterns: &patterns) }
            case "pattern":
                guard case .string(let pattern) = value, let regex = try? NSRegularExpression(pattern: pattern) else {
                    throw InvalidSchema(description: "schema \(name) at \(path): invalid pattern")
                }
                patterns[pattern] = regex
            default: continue
            }
        }
    }

    /// A JSON Pointer reference token: `~` becomes `~0` and `/` becomes `~1` (RFC 6901).
    private static func escapePointerToken(_ key: String) -> String {
        guard key.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) else { return key }
        return key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    private func resolve(_ reference: String) -> JSONValue? {
        guard reference.hasPrefix("#/$defs/") else { return nil }
        return root["$defs"]?[String(reference.dropFirst("#/$defs/".count))]
    }

    private func check(_ value: JSONValue, against schema: JSONValue, at pointer: String,
                       into found: inout [Violation], limit: Int) {
        guard found.count < limit else { return }
        func fail(_ reason: String) { if found.count < limit { found.append(Violation(pointer: pointer, reason: reason)) } }
        if case .bool(let allowed) = schema {
            if !allowed { fail("no value is allowed here") }
            return
        }
        guard case .object(let keywords) = schema else { return }

        if case .string(let reference)? = keywords["$ref"] {
            guard let target = resolve(reference) else { return fail("unresolvable $ref \(reference)") }
            check(value, against: target, at: pointer, into: &found, limit: limit)
        }
        if let types = keywords["type"] {
            let allowed: [String] = switch types {
            case .string(let one): [one]
            case .array(let many): many.compactMap(\.stringValue)
            default: []
            }
            let actual = value.typeName
            let matches = allowed.contains(actual) || (actual == "integer" && allowed.contains("number"))
            if !matches { return fail("expected \(allowed.joined(separator: " or ")), found \(actual)") }
        }
        if case .array(let options)? = keywords["enum"], !options.contains(value) {
            fail("must be one of \(options.compactMap(\.stringValue).joined(separator: ", "))")
        }
        if let constant = keywords["const"], constant != value { fail("must equal the schema's constant") }

        switch value {
        case .string(let text):
            let length = text.unicodeScalars.count
            if case .integer(let minimum)? = keywords["minLength"], length < minimum { fail("shorter than \(minimum) characters") }
            if case .integer(let maximum)? = keywords["maxLength"], length > maximum { fail("longer than \(maximum) characters") }
            if case .string(let pattern)? = keywords["pattern"], let regex = patterns[pattern],
               regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil {
                fail("does not match \(pattern)")
            }
            if case .string(let format)? = keywords["format"] { checkFormat(format, text, fail: fail) }
        case .integer, .number:
            let number: Double = if case .integer(let i) = value { Double(i) } else if case .number(let d) = value { d } else { 0 }
            if let minimum = keywords["minimum"].flatMap(Self.number), number < minimum { fail("less than \(minimum)") }
            if let maximum = keywords["maximum"].flatMap(Self.number), number > maximum { fail("greater than \(maximum)") }
        case .array(let items):
            if case .integer(let minimum)? = keywords["minItems"], items.count < minimum { fail("fewer than \(minimum) items") }
            if case .integer(let maximum)? = keywords["maxItems"], items.count > maximum { fail("more than \(maximum) items") }
            if let itemSchema = keywords["items"] {
                for (i, item) in items.enumerated() { check(item, against: itemSchema, at: "\(pointer)/\(i)", into: &found, limit: limit) }
            }
        case .object(let members):
            if case .array(let required)? = keywords["required"] {
                for case .string(let key) in required where members[key] == nil { fail("missing required property \(key)") }
            }
            let properties: [String: JSONValue] = if case .object(let p)? = keywords["properties"] { p } else { [:] }
            for (key, member) in members.sorted(by: { $0.key < $1.key }) {
                let path = pointer + "/" + Self.escapePointerToken(key)
                if let propertySchema = properties[key] {
                    check(member, against: propertySchema, at: path, into: &found, limit: limit)
                } else if let extra = keywords["additionalProperties"] {
                    if case .bool(false) = extra {
                        if found.count < limit { found.append(Violation(pointer: path, reason: "property \(key) is not allowed")) }
                    } else {
                        check(member, against: extra, at: path, into: &found, limit: limit)
                    }
                }
            }
        default: break
        }

        if case .array(let options)? = keywords["anyOf"] {
            let passing = options.filter { option in
                var sub: [Violation] = []
                check(value, against: option, at: pointer, into: &sub, limit: 1)
                return sub.isEmpty
            }
            if passing.isEmpty { fail("matches none of the allowed shapes (anyOf)") }
        }
        if case .array(let options)? = keywords["oneOf"] {
            let passing = options.filter { option in
                var sub: [Violation] = []
                check(value, against: option, at: pointer, into: &sub, limit: 1)
                return sub.isEmpty
            }.count
            if passing != 1 { fail("matches \(passing) of the oneOf shapes, expected exactly 1") }
        }
    }

    private func checkFormat(_ format: String, _ text: String, fail: (String) -> Void) {
        switch format {
        case "date-time":
            if EventTime.parse(text) == nil { fail("not an RFC 3339 date-time") }
        case "uri":
            if URL(string: text)?.scheme == nil { fail("not an absolute URI") }
        default: break
        }
    }

    private static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .integer(let i): Double(i)
        case .number(let d): d
        default: nil
        }
    }
}
