import Testing
import TwinlogText

@Suite("structure-aware chunking")
struct StructuredChunkerTests {
    private func chunker() throws -> Chunker { Chunker(tokenizer: try ModelFolder.tokenizer.get()) }

    private func fixture(_ name: String) -> (name: String, text: String, format: TextFormat) {
        StructuredFixtures.all.first { $0.name == name }!
    }

    /// The structured policy of `format` with another window and overlap.
    private func policy(_ format: TextFormat, window: Int, overlap: Int) throws -> ChunkingPolicy {
        try ChunkingPolicy(segmentation: ChunkingPolicy.structuredPolicy(for: format).segmentation,
                           windowTokens: window, overlapTokens: overlap)
    }

    @Test("chunks are verbatim slices of 1...(window − reserve) pieces that cover every piece in order, the same each time",
          arguments: StructuredFixtures.all.map(\.name))
    func chunksFitTheReservedWindow(name: String) throws {
        let chunker = try chunker()
        let fixture = fixture(name)
        let policy = try policy(fixture.format, window: 60, overlap: 0)
        let chunks = chunker.chunks(of: fixture.text, documentId: "repo/\(name)", policy: policy, format: fixture.format,
                                    reserveTokens: 12)
        #expect(chunks.count > 1)
        let utf8 = Array(fixture.text.utf8)
        for (index, chunk) in chunks.enumerated() {
            #expect(chunk.index == index)
            #expect(String(decoding: utf8[chunk.utf8Range], as: UTF8.self) == chunk.text)
            #expect((1...48).contains(chunk.tokenCount), "chunk \(index) holds \(chunk.tokenCount) pieces")
            #expect(chunker.tokenizer.pieces(of: chunk.text).count == chunk.tokenCount)
            #expect(chunk.id == Chunk.id(documentId: "repo/\(name)", text: chunk.text))
        }
        #expect(chunks.flatMap { chunker.tokenizer.pieces(of: $0.text).map(\.id) }
                == chunker.tokenizer.pieces(of: fixture.text).map(\.id))
        #expect(chunks == chunker.chunks(of: fixture.text, documentId: "repo/\(name)", policy: policy, format: fixture.format,
                                         reserveTokens: 12))
    }

    @Test("a chunk is inside one section, or holds whole sections and at most the beginning of one more; a section that fits the window is never split",
          arguments: StructuredFixtures.all.map(\.name), [0, 8])
    func chunksFollowSections(name: String, overlap: Int) throws {
        let chunker = try chunker()
        let fixture = fixture(name)
        let window = 40
        let chunks = chunker.chunks(of: fixture.text, documentId: "doc", policy: try policy(fixture.format, window: window, overlap: overlap),
                                    format: fixture.format, reserveTokens: 0)
        let sections = DocumentSections.sections(of: fixture.text, format: fixture.format)
        let utf8 = Array(fixture.text.utf8)
        for chunk in chunks {
            let touched = sections.filter { $0.utf8Range.overlaps(chunk.utf8Range) }
            guard touched.count > 1 else { continue }
            // A small lead (a heading, a class line) may open the first chunk of the section it introduces.
            let partial = touched.filter { !chunk.utf8Range.contains($0.utf8Range) }
            #expect(partial.count <= 1, "chunk \(chunk.index) cuts \(partial.map(\.trail))")
            if let cut = partial.first {
                #expect(cut == touched.last && cut.utf8Range.lowerBound >= chunk.utf8Range.lowerBound,
                        "chunk \(chunk.index) holds the end of \(cut.trail)")
            }
        }
        for section in sections {
            let pieces = chunker.tokenizer.pieces(of: String(decoding: utf8[section.utf8Range], as: UTF8.self)).count
            guard pieces <= window else { continue }
            #expect(chunks.contains { $0.utf8Range.contains(section.utf8Range) }, "section \(section.trail) was split")
        }
    }

    @Test("overlap repeats text only within the section being split, never from the section before",
          arguments: StructuredFixtures.all.map(\.name))
    func overlapStaysInItsSection(name: String) throws {
        let chunker = try chunker()
        let fixture = fixture(name)
        let chunks = chunker.chunks(of: fixture.text, documentId: "doc", policy: try policy(fixture.format, window: 30, overlap: 12),
                                    format: fixture.format, reserveTokens: 0)
        let sections = DocumentSections.sections(of: fixture.text, format: fixture.format)
        for (previous, next) in zip(chunks, chunks.dropFirst()) where previous.utf8Range.overlaps(next.utf8Range) {
            let repeated = next.utf8Range.lowerBound..<previous.utf8Range.upperBound
            #expect(sections.contains { $0.utf8Range.contains(next.utf8Range) && $0.utf8Range.contains(repeated) },
                    "chunks \(previous.index) and \(next.index) overlap across sections")
            #expect(previous.trail == next.trail)
        }
    }

    @Test("a Python class longer than the window splits at its methods; each chunk names the class and the method")
    func pythonClassSplitsAtMethods() throws {
        let chunker = try chunker()
        let chunks = chunker.chunks(of: StructuredFixtures.python, documentId: "train.py",
                                    policy: .structuredPolicy(for: .code(language: "python")), format: .code(language: "python"),
                                    reserveTokens: 150)
        #expect(chunks.allSatisfy { $0.tokenCount <= 104 })
        #expect(chunks.inDocumentOrder)
        let run = chunks.filter { $0.text.contains("self.step(inputs, targets)") || $0.text.contains("best-{number}.pt") }
        #expect(!run.isEmpty)
        #expect(run.allSatisfy { $0.trail == ["class Trainer", "def run(self, train_batches, val_batches)"] })
        #expect(chunks.first { $0.text.contains("def step(") }?.trail == ["class Trainer", "def step(self, inputs, targets)"])
        #expect(chunks.first { $0.text.contains("@property") }?.text.contains("def learning_rate(self):") == true)
        let decorated = chunks.first { $0.text.contains("def estimate_loss(") }
        #expect(decorated?.text.hasPrefix("@torch.no_grad()") == true)
        #expect(decorated?.trail == ["def estimate_loss(model, batches, device=\"cpu\")"])
        #expect(!chunks.contains { $0.text.contains("class Trainer:") && $0.text.contains("def estimate_loss(") })
        #expect(chunks.last?.trail == [] && chunks.last?.text.hasPrefix("if __name__") == true)
    }

    @Test("with the full window, small sibling definitions merge and are named first … last under their parent")
    func siblingsMergeWithFirstAndLastNames() throws {
        let chunker = try chunker()
        let chunks = chunker.chunks(of: StructuredFixtures.python, documentId: "train.py",
                                    policy: .structuredPolicy(for: .code(language: "python")), format: .code(language: "python"),
                                    reserveTokens: 0)
        // Each name in a "first … last" entry is cut to 40 characters.
        #expect(chunks.map(\.trail) == [
            ["class TrainConfig … def estimate_loss(model, batches, devic…"],
            ["class Trainer", "def __init__(self, model, config: Train… … def learning_rate(self)"],
            ["class Trainer", "def run(self, train_batches, val_batche… … def save(self, path)"],
            [],
        ])
        #expect(chunks[0].text.hasPrefix("\"\"\"Training loop") && chunks[0].text.hasSuffix("return sum(losses) / max(1, len(losses))"))
        #expect(chunks[1].text.hasPrefix("class Trainer:"))
    }

    @Test("merging packs consecutive sections into the fewest chunks, evened out so no tiny chunk is left alone")
    func mergingAvoidsTinyChunks() throws {
        let chunker = try chunker()
        let big = "[server]\nhost = \"0.0.0.0\"\nport = 8080\nworkers = 4\ntimeout_seconds = 30\nlog_level = \"info\""
        let small = "[cache]\nsize = 512"
        let tiny = "[debug]"
        let text = [big, small, tiny].joined(separator: "\n\n")
        let size = { (part: String) in chunker.tokenizer.pieces(of: part).count }
        // Greedy packing would give [big + small] [tiny]; the even split keeps the big table alone.
        let policy = try ChunkingPolicy(segmentation: .lines, windowTokens: size(big) + size(small), overlapTokens: 0)
        let chunks = chunker.chunks(of: text, documentId: "config.toml", policy: policy, format: .config(syntax: "toml"),
                                    reserveTokens: 0)
        #expect(chunks.map(\.text) == [big, small + "\n\n" + tiny])
        #expect(chunks.map(\.trail) == [["server"], ["cache … debug"]])

        let tables = (1...6).map { "[section\($0)]\nvalue = \($0)" }
        let pairs = try ChunkingPolicy(segmentation: .lines, windowTokens: 2 * size(tables[0]) + 1, overlapTokens: 0)
        let paired = chunker.chunks(of: tables.joined(separator: "\n"), documentId: "c.toml", policy: pairs,
                                    format: .config(syntax: "toml"), reserveTokens: 0)
        #expect(paired.map(\.trail) == [["section1 … section2"], ["section3 … section4"], ["section5 … section6"]])
        #expect(paired.map(\.text) == [tables[0] + "\n" + tables[1], tables[2] + "\n" + tables[3], tables[4] + "\n" + tables[5]])
    }

    @Test("Markdown: a fenced code block stays with its heading, and the chunk's trail is the heading path")
    func markdownHeadingPaths() throws {
        let chunker = try chunker()
        let chunks = chunker.chunks(of: StructuredFixtures.markdown, documentId: "README.md",
                                    policy: try policy(.markdown, window: 30, overlap: 0), format: .markdown, reserveTokens: 0)
        let code = chunks.first { $0.text.contains("# not a heading") }
        #expect(code?.text.contains("### From source") == true && code?.text.contains("swift build -c release\n```") == true)
        // "## Installation" alone is tiny: it merges with its first subsection, which names the chunk.
        #expect(code?.trail == ["Twinlog", "Installation", "From source"])
        #expect(code?.text.hasPrefix("## Installation") == true)
        #expect(chunks.last?.trail == ["Usage"])
        #expect(!chunks.contains { $0.text.contains("Install the toolchain") && $0.text.contains("Usage") })
    }

    @Test("YAML: a big top-level mapping splits at its second-level keys, keeping the comments above them")
    func yamlSplitsAtSecondLevelKeys() throws {
        let chunker = try chunker()
        let chunks = chunker.chunks(of: StructuredFixtures.yaml, documentId: "train.yaml",
                                    policy: try policy(.config(syntax: "yaml"), window: 30, overlap: 0),
                                    format: .config(syntax: "yaml"), reserveTokens: 0)
        let optimizer = chunks.first { $0.text.contains("adamw") }
        #expect(optimizer?.trail.first == "training")
        #expect(optimizer?.trail.last?.contains("optimizer") == true)
        #expect(chunks.allSatisfy { $0.tokenCount <= 30 })
    }

    @Test("a Dockerfile's stages and a notebook's cells are chunked apart when they do not fit together")
    func stagesAndCells() throws {
        let chunker = try chunker()
        let docker = chunker.chunks(of: StructuredFixtures.dockerfile, documentId: "Dockerfile",
                                    policy: .structuredPolicy(for: .config(syntax: "dockerfile")),
                                    format: .config(syntax: "dockerfile"), reserveTokens: 160)
        #expect(docker.map(\.trail) == [["FROM swift:${SWIFT_VERSION}-jammy AS build"], ["FROM ubuntu:22.04"]])
        #expect(docker.last?.text.hasPrefix("# The runtime image") == true)

        let notebook = chunker.chunks(of: StructuredFixtures.notebook, documentId: "explore.ipynb",
                                      policy: .structuredPolicy(for: .notebook), format: .notebook, reserveTokens: 180)
        #expect(notebook.map(\.trail) == [["cell 1 … cell 2"], ["cell 3 … cell 4"]])
        #expect(notebook.allSatisfy { $0.text.hasPrefix("# %% [") })
    }

    @Test("formats without structure chunk as the plain chunker (whose sentences here all fit the window), with empty trails")
    func unstructuredMatchesThePlainChunker() throws {
        let chunker = try chunker()
        let prose = ReferenceFixture.shared.items.map(\.text).joined(separator: "\n\n")
        let cases: [(String, ChunkingPolicy, TextFormat)] = [
            (prose, .defaults(for: .post), .prose),
            (prose, .defaults(for: .article), .plain),
            (StructuredFixtures.python, .defaults(for: .repositoryFile), .plain),
            (StructuredFixtures.python, try ChunkingPolicy(segmentation: .tokenWindows, windowTokens: 50, overlapTokens: 10), .plain),
        ]
        for (text, policy, format) in cases {
            let plain = chunker.chunks(of: text, documentId: "doc", policy: policy)
            let structured = chunker.chunks(of: text, documentId: "doc", policy: policy, format: format, reserveTokens: 0)
            #expect(structured == plain)
            #expect(structured.allSatisfy { $0.trail.isEmpty })
        }
    }

    @Test("a reserve as large as the window still leaves chunks of one piece; empty documents have no chunks")
    func reserveIsClamped() throws {
        let chunker = try chunker()
        let policy = try ChunkingPolicy(segmentation: .lines, windowTokens: 20, overlapTokens: 5)
        let chunks = chunker.chunks(of: StructuredFixtures.makefile, documentId: "Makefile", policy: policy,
                                    format: .config(syntax: "makefile"), reserveTokens: 50)
        #expect(!chunks.isEmpty && chunks.allSatisfy { $0.tokenCount == 1 })
        #expect(chunks.count == chunker.tokenizer.pieces(of: StructuredFixtures.makefile).count)
        #expect(chunker.chunks(of: " \n\n", documentId: "d", policy: policy, format: .markdown, reserveTokens: 0).isEmpty)
    }

    @Test("structured defaults: lines and the full window for code, configuration, notebooks and plain text; sentences and 192 for Markdown and articles; posts as before")
    func structuredDefaults() {
        for format in [TextFormat.code(language: "python"), .config(syntax: "yaml"), .notebook, .plain] {
            let policy = ChunkingPolicy.structuredPolicy(for: format)
            #expect(policy.segmentation == .lines && policy.windowTokens == 254 && (16...32).contains(policy.overlapTokens))
        }
        for format in [TextFormat.markdown, .article] {
            let policy = ChunkingPolicy.structuredPolicy(for: format)
            #expect(policy.segmentation == .sentences && policy.windowTokens == 192 && (16...32).contains(policy.overlapTokens))
        }
        #expect(ChunkingPolicy.structuredPolicy(for: .prose) == .defaults(for: .post))
    }
}

private extension Range<Int> {
    func contains(_ other: Range<Int>) -> Bool {
        lowerBound <= other.lowerBound && other.upperBound <= upperBound
    }
}

private extension Array<Chunk> {
    /// Whether the chunks start in document order.
    var inDocumentOrder: Bool {
        zip(self, dropFirst()).allSatisfy { $0.utf8Range.lowerBound < $1.utf8Range.lowerBound }
    }
}
