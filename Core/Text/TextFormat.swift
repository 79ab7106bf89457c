/// How a document's text is shaped, which decides its sections (see `DocumentSections`) and the
/// structure-aware chunking defaults (`ChunkingPolicy.structuredPolicy(for:)`).
public enum TextFormat: Sendable, Hashable {
    /// Posts: running text without sections.
    case prose
    /// Web articles extracted to plain text: paragraphs between blank lines, headings as short
    /// standalone lines without `#`.
    case article
    /// Markdown (and Markdown-like text such as reStructuredText and READMEs): `#` and underlined headings.
    case markdown
    /// Source code in `language` (lower case: "python", "swift", "javascript", "typescript", "go",
    /// "rust", "java", "kotlin", "c", "cpp", "csharp", "scala", "shell", …).
    case code(language: String)
    /// A configuration file in `syntax`: "yaml", "toml", "json", "ini", "makefile", "dockerfile",
    /// "requirements" or "env".
    case config(syntax: String)
    /// A notebook rendered as text, each cell starting with a `# %% [markdown]` or `# %% [code]` line.
    case notebook
    /// Anything else: lines without sections.
    case plain

    /// The format of a document of `kind` whose path (or title) is `path`: `.prose` for posts,
    /// `.article` for articles, and for repository files the format of the file name (see
    /// `TextFormat(fileName:)`).
    public init(kind: DocumentKind, path: String) {
        switch kind {
        case .post: self = .prose
        case .article: self = .article
        case .repositoryFile:
            let name = path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? path
            self.init(fileName: name)
        }
    }

    /// The format of a repository file called `fileName` (its last path component): by special
    /// names (Makefile, Dockerfile*, requirements*.txt, .env.example, README …), then by extension.
    init(fileName: String) {
        let name = fileName.lowercased()
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        let stem = parts.first.map(String.init) ?? name
        let ext = parts.count > 1 ? String(parts.last!) : ""
        if let special = Self.specialNames(name: name, stem: stem, ext: ext) {
            self = special
        } else if let format = Self.byExtension[ext] {
            self = format
        } else if let language = Self.languages[ext] {
            self = .code(language: language)
        } else {
            self = .plain
        }
    }

    /// Formats recognized by the whole file name rather than its extension.
    private static func specialNames(name: String, stem: String, ext: String) -> TextFormat? {
        if ["makefile", "gnumakefile"].contains(name) || ext == "mk" { return .config(syntax: "makefile") }
        if stem == "dockerfile" || stem.hasPrefix("dockerfile-") || stem == "containerfile" || ext == "dockerfile" { return .config(syntax: "dockerfile") }
        if name == "setup.cfg" || name == ".editorconfig" { return .config(syntax: "ini") }
        if name.hasPrefix("requirements") && ["txt", "in"].contains(ext) || name == "constraints.txt" {
            return .config(syntax: "requirements")
        }
        if name == ".env" || name.hasPrefix(".env.") || ["env.example", "env.sample", "env.template", "example.env"].contains(name) {
            return .config(syntax: "env")
        }
        if ext.isEmpty || ext == "txt", ["readme", "changelog", "contributing", "changes", "history"].contains(stem) {
            return .markdown
        }
        return nil
    }

    /// Non-code formats by extension.
    private static let byExtension: [String: TextFormat] = [
        "md": .markdown, "markdown": .markdown, "mdx": .markdown, "mdown": .markdown, "rst": .markdown,
        "yaml": .config(syntax: "yaml"), "yml": .config(syntax: "yaml"), "cff": .config(syntax: "yaml"),
        "toml": .config(syntax: "toml"),
        "json": .config(syntax: "json"), "jsonc": .config(syntax: "json"),
        "ini": .config(syntax: "ini"), "cfg": .config(syntax: "ini"), "conf": .config(syntax: "ini"),
        "ipynb": .notebook,
    ]

    /// Programming languages by extension.
    private static let languages: [String: String] = [
        "py": "python", "pyi": "python", "swift": "swift",
        "js": "javascript", "mjs": "javascript", "cjs": "javascript", "jsx": "javascript",
        "ts": "typescript", "tsx": "typescript", "mts": "typescript", "cts": "typescript",
        "go": "go", "rs": "rust", "java": "java", "kt": "kotlin", "kts": "kotlin",
        "c": "c", "h": "c", "cc": "cpp", "cpp": "cpp", "cxx": "cpp", "hpp": "cpp", "hh": "cpp", "hxx": "cpp",
        "cs": "csharp", "scala": "scala", "sc": "scala", "sh": "shell", "bash": "shell", "zsh": "shell", "slurm": "shell", "sbatch": "shell",
        "php": "php", "dart": "dart", "m": "objective-c", "mm": "objective-c", "groovy": "groovy", "gradle": "groovy",
        "rb": "ruby", "lua": "lua", "r": "r", "jl": "julia", "sql": "sql", "pl": "perl", "hs": "haskell",
        "ex": "elixir", "exs": "elixir", "clj": "clojure", "zig": "zig",
    ]
}
