/// A part of a document that chunks should not cross, with its trail: the names of the parts that
/// enclose it, outermost first, e.g. ["Installation", "From source"] for a Markdown section,
/// ["class Trainer", "def run(self)"] for a method, ["training", "optimizer"] for nested YAML
/// keys, ["cell 3"] for a notebook cell. Code between definitions, a preamble before the first
/// heading, or a whole unstructured document has its parent's trail (at the top, empty).
public struct TextSection: Sendable, Hashable {
    /// Where the section lies in the document, as UTF-8 byte offsets, without surrounding whitespace.
    public let utf8Range: Range<Int>
    public let trail: [String]

    public init(utf8Range: Range<Int>, trail: [String]) {
        self.utf8Range = utf8Range
        self.trail = trail
    }
}
