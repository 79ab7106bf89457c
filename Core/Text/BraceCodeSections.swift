/// Sections of brace-delimited source (Swift, JavaScript/TypeScript, Go, Rust, Java, Kotlin, C#,
/// Scala, C/C++, shell, PHP, Dart): a definition at brace depth 0 is a section running until its
/// braces close, with the comment and attribute lines directly above it. A definition is a line
/// whose first word, after attributes (`@MainActor`, `#[derive(…)]`, `[Fact]`) and modifiers
/// (`public`, `pub(crate)`, `export default`, `static` …), is a definition keyword (`func`, `fn`,
/// `class`, `struct`, `impl`, `interface`, `type` …); in JavaScript/TypeScript also
/// `const name = (…) =>` and exported objects (`export default {`, `module.exports = {`); and,
/// except in Go and Rust, a function-like line (`int main(void) {`,
/// `public void run() {`, `render() {`) whose body opens. Types, extensions, `impl`, `mod` and
/// namespaces hold their members (depth 1, then 2) as children, so a long type splits at its
/// members. Everything else (imports, constants, top-level statements) is anonymous.
enum BraceCodeSections {
    /// How deep definitions nest into sections (top level, members, members of nested types).
    static let maxLevel = 3

    static func sections(_ source: SourceLines, language: String) -> [SectionNode]? {
        guard let syntax = BraceSyntax.language(language) else { return nil }
        let rules = Rules(source: source, scan: BraceScan(source, syntax: syntax), language: language, syntax: syntax)
        return rules.definitions(in: 0..<source.count, base: 0, level: 1)
    }

    /// What a definition line was recognized as.
    private struct Definition {
        /// Holds members (a type, extension, impl, module, namespace).
        var isContainer: Bool
        /// Recognized only by its shape, so it counts only if a body in braces follows.
        var needsBody: Bool
    }

    private struct Rules {
        let source: SourceLines
        let scan: BraceScan
        let language: String
        let syntax: BraceSyntax

        /// The definitions among lines `range` at brace depth `base`.
        func definitions(in range: Range<Int>, base: Int, level: Int) -> [SectionNode] {
            var nodes: [SectionNode] = []
            var floor = range.lowerBound
            var line = range.lowerBound
            while line < range.upperBound {
                guard scan.depth[line] == base, scan.brackets[line] == 0, !scan.quoted[line], !source.isBlank(line),
                      let definition = classify(line) else {
                    line += 1
                    continue
                }
                let (end, braced) = extent(from: line, base: base, in: range)
                let declaration = !braced && end == line && scan.lastCode[line] == UInt8(ascii: ";")
                if definition.needsBody && !braced || declaration {
                    line = end + 1
                    continue
                }
                let start = SectionNode.leadingStart(of: line, floor: floor) { above in
                    scan.depth[above] == base && !source.isBlank(above) && (isComment(above) || isAttribute(above))
                }
                var children: [SectionNode] = []
                if definition.isContainer, braced, level < BraceCodeSections.maxLevel, end > line {
                    let members = definitions(in: line + 1..<end, base: base + 1, level: level + 1)
                    children = SectionNode.covering(start..<end + 1, with: members, in: source)
                }
                nodes.append(SectionNode(lines: start..<end + 1, names: [signature(at: line)], children: children))
                floor = end + 1
                line = end + 1
            }
            return nodes
        }

        /// The last line of the definition whose header is at `header` (inclusive), and whether
        /// its body is in braces: it ends where its braces close, or, without braces, at a `;`,
        /// a blank line, or a line that does not continue the header.
        private func extent(from header: Int, base: Int, in range: Range<Int>) -> (end: Int, braced: Bool) {
            var opened = false
            var line = header
            while line < range.upperBound {
                if scan.opensBrace[line] || scan.depthEnd[line] > base { opened = true }
                if opened {
                    if scan.depthEnd[line] <= base { return (line, true) }
                } else {
                    if scan.lastCode[line] == UInt8(ascii: ";"), scan.bracketsEnd[line] == 0 { return (line, false) }
                    let next = line + 1
                    if next >= range.upperBound || source.isBlank(next) || next - header > 12 { return (line, false) }
                    if scan.brackets[next] == 0, !scan.quoted[next], !continuesHeader(next, header: header) {
                        return (line, false)
                    }
                }
                line += 1
            }
            return (range.upperBound - 1, opened)
        }

        /// Whether `line` continues a definition header (a return type, `where`, the body's brace on its own line).
        private func continuesHeader(_ line: Int, header: Int) -> Bool {
            let text = source.trimmed(line)
            let continuations = ["{", "->", "=>", "where", ":", "throws", "rethrows", "async", ")", ".", "=", "|", "&",
                                 "extends", "implements", ",", "noexcept", "const", "override", "requires"]
            return source.indent(line) > source.indent(header) || continuations.contains { text.hasPrefix($0) }
        }

        private func isComment(_ line: Int) -> Bool {
            let text = source.trimmed(line)
            return scan.inComment[line] || text.hasPrefix("//") || text.hasPrefix("/*") || text.hasPrefix("*")
                || syntax.hashComments && text.hasPrefix("#")
        }

        private func isAttribute(_ line: Int) -> Bool {
            let text = source.trimmed(line)
            return text.hasPrefix("@") || text.hasPrefix("#[") || text.hasPrefix("template<") || text.hasPrefix("template <")
                || (language == "csharp" || language == "objective-c") && text.hasPrefix("[") && text.hasSuffix("]")
        }

        /// The definition that line `line` starts, if any.
        private func classify(_ line: Int) -> Definition? {
            let text = BraceWords.strippingPrefixes(source.trimmed(line), language: language)
            let word = BraceWords.firstWord(of: text)
            let after = text.dropFirst(word.count).first
            if BraceWords.keywords.contains(word), after == nil || after == " " || after == "\t" || after == "("
                || after == "<" || after == "{" || after == "?" || word.hasSuffix("!") {
                return Definition(isContainer: BraceWords.containers.contains(word), needsBody: false)
            }
            if language == "javascript" || language == "typescript" {
                if BraceWords.isArrowFunction(text) { return Definition(isContainer: false, needsBody: false) }
                // `export default {`, `export const routes = {`, `module.exports = {`: an exported object.
                let raw = source.trimmed(line)
                if raw.hasPrefix("export ") || raw.hasPrefix("module.exports"), scan.lastCode[line] == UInt8(ascii: "{") {
                    return Definition(isContainer: false, needsBody: true)
                }
            }
            if ["var", "val"].contains(word), scan.lastCode[line] == UInt8(ascii: "{") {
                return Definition(isContainer: false, needsBody: true)
            }
            if language != "go", language != "rust", BraceWords.isFunctionLike(text) {
                return Definition(isContainer: false, needsBody: true)
            }
            return nil
        }

        /// The header of the definition at `line` as one line, up to its body's `{`, e.g.
        /// "public func run(_ input: String) async throws -> Int".
        private func signature(at line: Int) -> String {
            var text = String(source.trimmed(line))
            var next = line
            while scan.bracketsEnd[next] > 0, !scan.opensBrace[next], next + 1 < source.count, next - line < 8 {
                next += 1
                text += " " + source.trimmed(next)
            }
            var header = BraceWords.header(of: text).trimmingASCIIWhitespace()
            while let last = header.last, last == ";" || last == "=" || last == ":" { header = header.dropLast().trimmingASCIIWhitespace() }
            return SectionNode.label(SectionNode.tidy(header))
        }
    }
}
