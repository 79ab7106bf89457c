import Testing
import TwinlogText

@Suite("document sections")
struct DocumentSectionsTests {
    /// The sections of `text` as (text, trail) pairs.
    private func sections(_ text: String, _ format: TextFormat) -> [(text: String, trail: [String])] {
        let utf8 = Array(text.utf8)
        return DocumentSections.sections(of: text, format: format).map {
            (String(decoding: utf8[$0.utf8Range], as: UTF8.self), $0.trail)
        }
    }

    /// The trail of the section whose text starts with `prefix`.
    private func trail(startingWith prefix: String, in sections: [(text: String, trail: [String])]) -> [String]? {
        sections.first { $0.text.hasPrefix(prefix) }?.trail
    }

    @Test("sections are ordered, disjoint, verbatim and hold every non-whitespace byte, the same each time",
          arguments: StructuredFixtures.all.map(\.name))
    func sectionsPartitionTheDocument(name: String) {
        let fixture = StructuredFixtures.all.first { $0.name == name }!
        let found = DocumentSections.sections(of: fixture.text, format: fixture.format)
        #expect(found.count > 1)
        #expect(found == DocumentSections.sections(of: fixture.text, format: fixture.format))
        let utf8 = Array(fixture.text.utf8)
        var covered = [Bool](repeating: false, count: utf8.count)
        for (previous, next) in zip(found, found.dropFirst()) {
            #expect(previous.utf8Range.upperBound <= next.utf8Range.lowerBound)
        }
        for section in found {
            #expect(!section.utf8Range.isEmpty)
            for offset in section.utf8Range { covered[offset] = true }
        }
        let missing = utf8.indices.filter { !covered[$0] && !(utf8[$0] == 0x20 || utf8[$0] == 0x0A || utf8[$0] == 0x09) }
        #expect(missing.isEmpty, "bytes outside every section: \(missing.prefix(5))")
    }

    @Test("unstructured formats, and JSON on one line, give one section with an empty trail")
    func unstructuredIsOneSection() {
        for format in [TextFormat.prose, .plain, .config(syntax: "requirements"), .config(syntax: "env"),
                       .config(syntax: "json"), .code(language: "cobol")] {
            let found = sections(" {\"a\": 1, \"b\": {\"c\": [1, 2]}}\nsecond line\n", format)
            #expect(found.map(\.trail) == [[]], "\(format)")
            #expect(found.first?.text == "{\"a\": 1, \"b\": {\"c\": [1, 2]}}\nsecond line")
        }
        #expect(DocumentSections.sections(of: " \n\t\n", format: .markdown).isEmpty)
    }

    @Test("Python: top-level definitions keep their decorators and comments, methods nest under their class, imports stand apart")
    func python() {
        let found = sections(StructuredFixtures.python, .code(language: "python"))
        #expect(found.first?.trail == [])
        #expect(found.first?.text.hasSuffix("LOG_EVERY = 50") == true)
        #expect(trail(startingWith: "# Settings read from the command line.\n@dataclass\nclass TrainConfig:", in: found)
                == ["class TrainConfig"])
        #expect(trail(startingWith: "@torch.no_grad()\ndef estimate_loss", in: found)
                == ["def estimate_loss(model, batches, device=\"cpu\")"])
        #expect(trail(startingWith: "class Trainer:", in: found) == ["class Trainer"])
        #expect(found.first { $0.text.hasPrefix("class Trainer:") }?.text.hasSuffix("    \"\"\"") == true)
        #expect(trail(startingWith: "def __init__", in: found) == ["class Trainer", "def __init__(self, model, config: TrainConfig)"])
        #expect(trail(startingWith: "@property", in: found) == ["class Trainer", "def learning_rate(self)"])
        #expect(trail(startingWith: "def run(", in: found) == ["class Trainer", "def run(self, train_batches, val_batches)"])
        #expect(trail(startingWith: "def save", in: found) == ["class Trainer", "def save(self, path)"])
        #expect(found.last?.text.hasPrefix("if __name__ == \"__main__\":") == true)
        #expect(found.last?.trail == [])
    }

    @Test("Swift: types and extensions with their attributes and doc comments, members nested, braces in strings and comments ignored")
    func swift() {
        let found = sections(StructuredFixtures.swift, .code(language: "swift"))
        #expect(found.map(\.trail) == [
            [],
            ["public final class ReadingStore"],
            ["public final class ReadingStore", "public init()"],
            ["public final class ReadingStore", "public func add(_ reading: Reading)"],
            ["extension ReadingStore"],
            ["extension ReadingStore", "var average: Double?"],
            ["extension ReadingStore", "func latest(_ count: Int) -> [Reading]"],
            ["public struct Reading: Sendable, Hashable, Codable"],
            ["public struct Reading: Sendable, Hashable, Codable", "public init(value: Double, label: String)"],
        ])
        #expect(found[1].text.hasPrefix("/// Keeps the most recent readings in memory.\n@MainActor\npublic final class"))
        #expect(found[3].text.hasSuffix("}\n}"))
        #expect(found[5].text.hasPrefix("/// The mean of all readings"))
        #expect(found[7].text.hasPrefix("@frozen\npublic struct Reading"))
    }

    @Test("TypeScript and JavaScript: interfaces, arrow-function constants, exported objects, functions and classes with their methods")
    func typescript() {
        let found = sections(StructuredFixtures.typescript, .code(language: "typescript"))
        #expect(found.map(\.trail) == [
            [],
            ["export interface Route"],
            ["export const parseRoute = (line: string): Route =>"],
            ["export async function loadRoutes(file: string): Promise<Route[]>"],
            ["export class Router"],
            ["export class Router", "constructor(private readonly config: Config)"],
            ["export class Router", "add(route: Route): this"],
            ["export class Router", "match(method: string, path: string): Route | undefined"],
        ])
        #expect(found[0].text.hasSuffix("const DEFAULT_PORT = 8080;"))
        let exported = sections("import x from \"y\";\n\nexport const routes = {\n  home: \"/\",\n};\n\nexport default {\n  name: \"router\",\n};\n",
                                .code(language: "javascript"))
        #expect(exported.map(\.trail) == [[], ["export const routes"], ["export default"]])
    }

    @Test("Go: types and functions (methods included) with the comments above them; package and imports apart")
    func go() {
        let found = sections(StructuredFixtures.go, .code(language: "go"))
        #expect(found.map(\.trail) == [
            [], ["type Entry struct"], ["type Cache struct"], ["func New() *Cache"],
            ["func (c *Cache) Get(key string, now time.Time) (string, bool)"],
        ])
        #expect(found[1].text.hasPrefix("// Entry is one cached value"))
        #expect(found[4].text.hasPrefix("// Get returns") && found[4].text.hasSuffix("return e.Value, true\n}"))
    }

    @Test("Rust: items with attributes and doc comments, impl and mod blocks split at their functions, lifetimes not taken for quotes")
    func rust() {
        let found = sections(StructuredFixtures.rust, .code(language: "rust"))
        #expect(found.map(\.trail) == [
            [],
            ["pub struct WordCount"],
            ["impl fmt::Display for WordCount"],
            ["impl fmt::Display for WordCount", "fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result"],
            ["pub fn count_words(text: &str) -> Vec<WordCount>"],
            ["mod tests"],
            ["mod tests", "fn counts_repeated_words()"],
        ])
        #expect(found[1].text.hasPrefix("/// A word and how often it was seen.\n#[derive(Debug, Clone, PartialEq)]\npub struct"))
        #expect(found[5].text == "#[cfg(test)]\nmod tests {\n    use super::*;")
        #expect(found[6].text.hasPrefix("#[test]\n    fn counts_repeated_words()"))
    }

    @Test("Java: a class split into its constructor, annotated methods and nested interface")
    func java() {
        let found = sections(StructuredFixtures.java, .code(language: "java"))
        #expect(found.map(\.trail) == [
            [],
            ["public class OrderBook"],
            ["public class OrderBook", "public OrderBook()"],
            ["public class OrderBook", "public String toString()"],
            ["public class OrderBook", "public void add(Order order)"],
            ["public class OrderBook", "public interface Order"],
        ])
        #expect(found[1].text.hasPrefix("/** Keeps the orders of one customer. */\npublic class OrderBook {"))
        #expect(found[3].text.hasPrefix("@Override\n    public String toString()"))
    }

    @Test("YAML: top-level keys with the comments above them, a mapping's second-level keys nested under it, sequences whole")
    func yaml() {
        let found = sections(StructuredFixtures.yaml, .config(syntax: "yaml"))
        #expect(found.map(\.trail) == [
            ["name"],
            ["data"], ["data", "path"], ["data", "validation_split"],
            ["training"], ["training", "epochs"], ["training", "optimizer"], ["training", "scheduler"], ["training", "steps"],
            ["logging"], ["logging", "every"],
        ])
        #expect(found[0].text == "# Training run for the small model.\nname: tiny-lm")
        #expect(found[1].text == "# Where the data comes from.\ndata:")
        #expect(found[3].text == "# Fraction held out for validation.\n  validation_split: 0.1")
        #expect(found[6].text.hasPrefix("# AdamW settings.\n  optimizer:\n    name: adamw"))
        #expect(found[8].text == "steps:\n  - evaluate\n  - checkpoint")
    }

    @Test("YAML documents split at ---, each holding its own keys")
    func yamlDocuments() {
        let text = "apiVersion: v1\nkind: Service\n---\napiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: 2\n"
        let found = sections(text, .config(syntax: "yaml"))
        #expect(found.map(\.text) == ["apiVersion: v1", "kind: Service", "---\napiVersion: apps/v1", "kind: Deployment",
                                      "spec:", "replicas: 2"])
        #expect(found.map(\.trail) == [["apiVersion"], ["kind"], ["apiVersion"], ["kind"], ["spec"], ["spec", "replicas"]])
    }

    @Test("TOML tables, Makefile targets and Dockerfile stages start sections, with the comments above them")
    func configFiles() {
        let toml = sections(StructuredFixtures.toml, .config(syntax: "toml"))
        #expect(toml.map(\.trail) == [["project"], ["project.optional-dependencies"], ["tool.ruff"]])
        #expect(toml[1].text.hasPrefix("# Optional extras.\n[project.optional-dependencies]"))
        #expect(toml[0].text.hasSuffix("\"httpx>=0.27\",\n]"))

        let make = sections(StructuredFixtures.makefile, .config(syntax: "makefile"))
        #expect(make.map(\.trail) == [[], ["build"], ["test"], ["install"]])
        #expect(make[0].text == "BIN := twinlog\nPREFIX ?= /usr/local\n\n.PHONY: build test install")
        #expect(make[1].text == "# Build the release binary.\nbuild:\n\tswift build -c release")

        let docker = sections(StructuredFixtures.dockerfile, .config(syntax: "dockerfile"))
        #expect(docker.map(\.trail) == [[], ["FROM swift:${SWIFT_VERSION}-jammy AS build"], ["FROM ubuntu:22.04"]])
        #expect(docker[2].text.hasPrefix("# The runtime image only needs the binary.\nFROM ubuntu:22.04"))
    }

    @Test("pretty-printed JSON: top-level members, an object member's members nested")
    func json() {
        let text = """
            {
              "name": "twinlog-web",
              "scripts": {
                "build": "tsc -p .",
                "test": "vitest run"
              },
              "files": [
                "dist"
              ]
            }
            """
        let found = sections(text, .config(syntax: "json"))
        #expect(found.map(\.trail) == [[], ["name"], ["scripts"], ["scripts", "build"], ["scripts", "test"], ["files"]])
        #expect(found.last?.text == "\"files\": [\n    \"dist\"\n  ]\n}")
    }

    @Test("notebook cells are sections named by number, with a Markdown cell's heading or a code cell's first definition")
    func notebook() {
        let found = sections(StructuredFixtures.notebook, .notebook)
        #expect(found.map(\.trail) == [
            ["cell 1", "Exploring the corpus"], ["cell 2"], ["cell 3", "def length_histogram(frame, bins=20)"],
            ["cell 4", "Results"],
        ])
        #expect(found[1].text == "# %% [code]\nimport pandas as pd\nposts = pd.read_json(\"posts.jsonl\", lines=True)")
    }

    @Test("Markdown: ATX and setext headings nest into heading paths; # inside a fenced code block is not a heading")
    func markdown() {
        let found = sections(StructuredFixtures.markdown, .markdown)
        #expect(found.map(\.trail) == [
            ["Twinlog"],
            ["Twinlog", "Getting started"],
            ["Twinlog", "Installation"],
            ["Twinlog", "Installation", "From source"],
            ["Twinlog", "Installation", "With Docker"],
            ["Usage"],
        ])
        #expect(found[3].text == "### From source\n\n```sh\n# not a heading\nswift build -c release\n```")
        #expect(found[1].text == "Getting started\n---------------\n\nInstall the toolchain first.")
    }

    @Test("Markdown: text before the first heading has an empty trail; a rule after a blank line is not a heading; front matter is skipped")
    func markdownEdges() {
        let text = "---\ntitle: Notes\n---\nIntro text.\n\n---\n\n## Details ##\n\nMore.\n"
        let found = sections(text, .markdown)
        #expect(found.map(\.trail) == [[], ["Details"]])
        #expect(found[0].text == "---\ntitle: Notes\n---\nIntro text.\n\n---")
    }

    @Test("articles: short standalone lines followed by longer paragraphs are headings; sentences, code and short notes are not")
    func article() {
        let found = sections(StructuredFixtures.article, .article)
        #expect(found.map(\.trail) == [["Why logs beat snapshots"], ["Replaying history"], ["What it costs"]])
        #expect(found[0].text.hasSuffix("can start from the beginning."))
        #expect(found[1].text.hasSuffix("npm run replay"))
    }

    @Test("the format follows the document kind and the file name")
    func formatFromPath() {
        let expected: [(String, TextFormat)] = [
            ("src/train.py", .code(language: "python")), ("Sources/App/Store.swift", .code(language: "swift")),
            ("web/router.ts", .code(language: "typescript")), ("web/App.jsx", .code(language: "javascript")),
            ("cache/cache.go", .code(language: "go")), ("src/lib.rs", .code(language: "rust")),
            ("Main.java", .code(language: "java")), ("build.gradle.kts", .code(language: "kotlin")),
            ("native/x.hpp", .code(language: "cpp")), ("scripts/deploy.sh", .code(language: "shell")),
            ("README.md", .markdown), ("README", .markdown), ("docs/guide.rst", .markdown), ("docs/page.mdx", .markdown),
            (".github/workflows/ci.yml", .config(syntax: "yaml")), ("config.yaml", .config(syntax: "yaml")),
            ("pyproject.toml", .config(syntax: "toml")), ("package.json", .config(syntax: "json")),
            ("setup.cfg", .config(syntax: "ini")), ("tox.ini", .config(syntax: "ini")),
            ("Makefile", .config(syntax: "makefile")), ("Dockerfile", .config(syntax: "dockerfile")),
            ("deploy/Dockerfile.prod", .config(syntax: "dockerfile")), ("Dockerfile-cuda-all", .config(syntax: "dockerfile")),
            ("requirements-dev.txt", .config(syntax: "requirements")), (".env.example", .config(syntax: "env")),
            ("env.example", .config(syntax: "env")),
            ("notebooks/explore.ipynb", .notebook), ("LICENSE", .plain), ("notes.txt", .plain), (".gitignore", .plain),
        ]
        for (path, format) in expected {
            #expect(TextFormat(kind: .repositoryFile, path: path) == format, "\(path)")
        }
        #expect(TextFormat(kind: .post, path: "README.md") == .prose)
        #expect(TextFormat(kind: .article, path: "https://example.com/a.py") == .article)
    }
}
