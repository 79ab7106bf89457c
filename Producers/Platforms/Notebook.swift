import TwinlogEvents

/// A Jupyter notebook (`.ipynb`, nbformat 4) read as text, the "percent" format editors use: for
/// each cell in order a marker line (`# %% [markdown]`, `# %% [code]` or `# %% [raw]`), the cell's
/// source, then a blank line. Outputs, execution counts and metadata are never included: they are
/// what the kernel printed, not what the author wrote, and they are most of a notebook's bytes.
enum Notebook {
    /// Why bytes are not a notebook this reader accepts.
    struct Malformed: Error, CustomStringConvertible, Equatable {
        var description: String
    }

    /// The text of the notebook `bytes` (its JSON). Throws when they are not JSON, have no `cells`
    /// array, or a cell is not an object with a known `cell_type` and a `source` that is a string
    /// or an array of strings (joined as they are: nbformat keeps each line's newline).
    static func text(of bytes: [UInt8]) throws(Malformed) -> String {
        let document: JSONValue
        do { document = try JSONValue.parse(bytes) } catch { throw Malformed(description: "not JSON: \(error)") }
        guard case .array(let cells)? = document["cells"] else { throw Malformed(description: "no \"cells\" array") }
        var text = ""
        for (index, cell) in cells.enumerated() {
            guard let type = cell["cell_type"]?.stringValue, ["markdown", "code", "raw"].contains(type) else {
                throw Malformed(description: "cell \(index) has no cell_type of markdown, code or raw")
            }
            let source: String
            switch cell["source"] {
            case .string(let whole)?: source = whole
            case .array(let lines)?:
                let strings = lines.compactMap(\.stringValue)
                guard strings.count == lines.count else { throw Malformed(description: "cell \(index) has a source line that is not a string") }
                source = strings.joined()
            default: throw Malformed(description: "cell \(index) has no source string or array of strings")
            }
            text += "# %% [\(type)]\n" + source
            if !source.isEmpty, !source.hasSuffix("\n") { text += "\n" }
            text += "\n"
        }
        return text
    }
}
