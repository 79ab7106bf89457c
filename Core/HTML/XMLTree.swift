import CLibXML2

/// An XML document (an RSS or Atom feed) parsed by libxml2 into the same Swift tree as
/// `HTMLDocument`, with namespace prefixes kept in element names (`content:encoded`, `dc:creator`).
///
/// The parser never loads the network, never expands external entities and recovers from
/// malformed markup, so a hostile feed cannot reach other hosts or crash the crawler.
public struct XMLTree: Sendable {
    /// The document element.
    public let root: HTMLDocument.Node

    /// Parses `bytes` as XML; `encoding` overrides the document's own declaration when given.
    public init(bytes: [UInt8], encoding: String? = nil) throws(HTMLDocument.ParseError) {
        let options = Int32(XML_PARSE_RECOVER.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue
                            | XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue | XML_PARSE_COMPACT.rawValue)
        let document: xmlDocPtr? = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                xmlReadMemory(chars.baseAddress, Int32(clamping: chars.count), nil, encoding, options)
            }
        }
        guard let document else { throw HTMLDocument.ParseError(description: "libxml2 could not parse the XML (\(bytes.count) bytes)") }
        defer { xmlFreeDoc(document) }
        guard let rootElement = xmlDocGetRootElement(document), let root = HTMLDocument.convert(rootElement) else {
            throw HTMLDocument.ParseError(description: "the XML has no root element (\(bytes.count) bytes)")
        }
        self.root = root
    }
}

extension HTMLDocument.Node {
    /// The element's name, or nil for text.
    public var elementName: String? {
        if case .element(let name, _, _) = self { return name }
        return nil
    }

    /// The element's attributes (empty for text).
    public var attributes: [String: String] {
        if case .element(_, let attributes, _) = self { return attributes }
        return [:]
    }

    /// The element's children (empty for text).
    public var children: [HTMLDocument.Node] {
        if case .element(_, _, let children) = self { return children }
        return []
    }

    /// The child elements named `name`.
    public func elements(named name: String) -> [HTMLDocument.Node] {
        children.filter { $0.elementName == name }
    }

    /// The text of the first child element named `name`, trimmed, or nil when there is none.
    public func childText(_ name: String) -> String? {
        elements(named: name).first.map { HTMLDocument.text(of: $0).trimmingWhitespace() }
    }
}

extension String {
    /// The string without leading and trailing whitespace (Unicode whitespace, not only ASCII).
    func trimmingWhitespace() -> String {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[first...last])
    }
}
