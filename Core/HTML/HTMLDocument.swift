import CLibXML2

/// An HTML page parsed by libxml2's forgiving HTML parser, reduced to a Swift tree of elements and
/// text, so no libxml2 pointer outlives parsing. The crawler's content extraction works on this tree.
public struct HTMLDocument: Sendable {
    /// A node of the page: an element with attributes and children, or a run of text.
    public indirect enum Node: Sendable, Equatable {
        case element(name: String, attributes: [String: String], children: [Node])
        case text(String)
    }

    /// Why a page could not be parsed at all.
    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// The `<html>` element (or whatever root the parser produced).
    public let root: Node

    /// Parses `bytes` as HTML in `encoding` (an IANA charset name such as "utf-8"; nil lets libxml2
    /// detect it from the page). Malformed markup is repaired as browsers do, never rejected;
    /// invalid byte sequences never crash.
    public init(bytes: [UInt8], encoding: String? = nil) throws(ParseError) {
        let options = Int32(HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
                            | HTML_PARSE_NONET.rawValue | HTML_PARSE_COMPACT.rawValue)
        guard let length = Int32(exactly: bytes.count) else {
            throw ParseError(description: "the page has \(bytes.count) bytes; libxml2 parses at most \(Int32.max)")
        }
        // libxml2 prints encoding and I/O errors to stderr even with HTML_PARSE_NOERROR; the handler
        // is per thread, so it is set on the thread that parses, every time.
        xmlSetStructuredErrorFunc(nil, ignoreLibXMLError)
        let document: htmlDocPtr? = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                htmlReadMemory(chars.baseAddress, length, nil, encoding, options)
            }
        }
        guard let document else { throw ParseError(description: "libxml2 could not parse the page (\(bytes.count) bytes)") }
        defer { xmlFreeDoc(document) }
        guard let rootElement = xmlDocGetRootElement(document) else {
            throw ParseError(description: "the page has no root element (\(bytes.count) bytes)")
        }
        root = Self.convert(rootElement) ?? .element(name: "html", attributes: [:], children: [])
    }

    /// The text of `<title>`, with whitespace collapsed.
    public var title: String? {
        first(named: "title").map { Self.collapse(Self.text(of: $0)) }
    }

    /// The first element named `name` in document order.
    public func first(named name: String) -> Node? {
        func search(_ node: Node) -> Node? {
            guard case .element(let element, _, let children) = node else { return nil }
            if element == name { return node }
            for child in children { if let found = search(child) { return found } }
            return nil
        }
        return search(root)
    }

    /// All text under `node`, concatenated in document order.
    public static func text(of node: Node) -> String {
        switch node {
        case .text(let text): text
        case .element(_, _, let children): children.map(text(of:)).joined()
        }
    }

    /// `text` with runs of whitespace turned into single spaces, trimmed.
    public static func collapse(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// Converts a libxml2 node (HTML or XML) into a `Node`; XML names keep their namespace prefix
    /// (`content:encoded`), so feeds parsed by `XMLTree` share this one conversion.
    static func convert(_ node: xmlNodePtr) -> Node? {
        switch node.pointee.type {
        case XML_ELEMENT_NODE:
            var name = String(cString: node.pointee.name).lowercased()
            if let prefix = node.pointee.ns?.pointee.prefix { name = String(cString: prefix).lowercased() + ":" + name }
            var attributes: [String: String] = [:]
            var attribute = node.pointee.properties
            while let current = attribute {
                let key = String(cString: current.pointee.name).lowercased()
                // An attribute's value is the text of its child nodes; reading them needs no allocation.
                var value = ""
                var part = current.pointee.children
                while let text = part {
                    if let content = text.pointee.content { value += String(cString: content) }
                    part = text.pointee.next
                }
                attributes[key] = value
                attribute = current.pointee.next
            }
            var children: [Node] = []
            var child = node.pointee.children
            while let current = child {
                if let converted = convert(current) { children.append(converted) }
                child = current.pointee.next
            }
            return .element(name: name, attributes: attributes, children: children)
        case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
            guard let content = node.pointee.content else { return nil }
            return .text(String(cString: content))
        default:
            return nil
        }
    }
}

/// Drops libxml2's error reports: a page that does not parse cleanly is repaired, and what is
/// wrong with it is not the operator's concern.
private let ignoreLibXMLError: xmlStructuredErrorFunc = { _, _ in }
