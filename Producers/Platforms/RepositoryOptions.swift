/// Which repository files become documents: documentation, source and configuration (YAML, TOML,
/// JSON, INI, `.env.example`, Dockerfiles, Makefiles, requirements files, notebooks) by name or
/// extension, within a size limit, outside vendored, generated and build folders. Lockfiles,
/// generated and minified files are skipped; binaries (a NUL byte, or invalid UTF-8) are skipped
/// once read; files whose name says they hold credentials (`looksLikeSecret`) are never kept,
/// whatever the other options say.
public struct RepositoryOptions: Sendable {
    /// Largest file kept, in bytes (for a notebook: of the text made from it).
    public var maxFileBytes = 1 << 20
    /// Largest JSON file kept, in bytes: larger ones are data dumps, not configuration.
    public var maxJSONBytes = 256 << 10
    /// Largest notebook read, in bytes of its JSON (outputs make notebooks large); the text made
    /// from it must then fit `maxFileBytes`.
    public var maxNotebookBytes = 4 << 20
    /// Where https repositories are cloned (bare) and fetched on later crawls.
    public var cacheDirectory = ".twinlog/crawl/repositories"
    /// Largest repository kept in the cache, in bytes on disk (1 GiB): measured while a clone or
    /// fetch runs and after it; a larger one stops git, fails the repository and leaves the cache.
    /// Local repositories, read in place, are not capped.
    public var maxRepositoryBytes = 1 << 30
    /// Longest a clone or fetch may run (10 minutes); then git and its helpers are stopped
    /// (SIGTERM, SIGKILL 5 s later) and the repository fails naming the limit.
    public var gitTimeout: Duration = .seconds(600)
    /// git aborts an http(s) transfer that moves fewer than `lowSpeedLimit` bytes per second for
    /// `lowSpeedTime` (git's `http.lowSpeedLimit` and `http.lowSpeedTime`; whole seconds).
    public var lowSpeedLimit = 1024
    public var lowSpeedTime: Duration = .seconds(60)

    /// Extension (lowercased, without the dot) → language recorded in the event.
    public var languages: [String: String] = [
        "md": "markdown", "markdown": "markdown", "mdx": "markdown", "rst": "restructuredtext", "adoc": "asciidoc",
        "asciidoc": "asciidoc", "txt": "text", "org": "org", "tex": "latex",
        "swift": "swift", "py": "python", "pyi": "python", "js": "javascript", "mjs": "javascript", "cjs": "javascript",
        "jsx": "javascript", "ts": "typescript", "tsx": "typescript", "go": "go", "rs": "rust", "java": "java", "kt": "kotlin",
        "kts": "kotlin", "scala": "scala", "c": "c", "h": "c", "cc": "cpp", "cpp": "cpp", "cxx": "cpp", "hpp": "cpp", "hh": "cpp",
        "m": "objective-c", "mm": "objective-c", "cs": "csharp", "fs": "fsharp", "rb": "ruby", "php": "php", "pl": "perl",
        "lua": "lua", "r": "r", "jl": "julia", "ex": "elixir", "exs": "elixir", "erl": "erlang", "hs": "haskell", "ml": "ocaml",
        "clj": "clojure", "dart": "dart", "sh": "shell", "bash": "shell", "zsh": "shell", "slurm": "shell", "sbatch": "shell", "sql": "sql", "proto": "protobuf",
        "graphql": "graphql", "vue": "vue", "svelte": "svelte", "zig": "zig", "nim": "nim",
        // Configuration: where ports, model ids and hyperparameters live.
        "yaml": "yaml", "yml": "yaml", "cff": "yaml", "toml": "toml", "json": "json", "ini": "ini", "cfg": "ini", "dockerfile": "dockerfile",
        "ipynb": "notebook",
    ]
    /// Files kept by exact name, whatever their extension.
    public var namedFiles: [String: String] = [
        "README": "text", "CHANGELOG": "text", "CONTRIBUTING": "text", "LICENSE": "text", "COPYING": "text", "NOTICE": "text",
        "Dockerfile": "dockerfile", "Makefile": "makefile", "makefile": "makefile", "GNUmakefile": "makefile",
        ".env.example": "env", ".env.sample": "env", ".env.template": "env",
        "env.example": "env", "env.sample": "env", "env.template": "env", "example.env": "env",
    ]
    /// Folders whose content is never the author's writing.
    public var excludedFolders: Set<String> = [
        ".git", "node_modules", "vendor", "vendors", "third_party", "thirdparty", "third-party", "external", "deps", "dist", "build",
        "out", "target", ".build", "Pods", "Carthage", "__pycache__", ".venv", "venv", "site-packages", "bower_components", ".next",
        ".nuxt", "coverage", "generated", "__generated__", ".idea", ".vscode", ".tox", ".gradle",
    ]
    /// File name endings (lowercased) that mark generated, minified or lock files.
    public var excludedSuffixes = [
        ".min.js", ".min.css", ".pb.go", "_pb2.py", ".pb.swift", ".g.dart", ".designer.cs", ".generated.swift", ".lock",
    ]
    /// Lockfiles whose name does not end in `.lock` (those are `excludedSuffixes`), by exact
    /// lowercased name: machine-written pins, not facts anyone asks about.
    public var excludedNames: Set<String> = ["package-lock.json", "npm-shrinkwrap.json", "pnpm-lock.yaml", "go.sum"]

    public init() {}

    /// The language of `path` when the file is kept by name and place, else nil.
    public func language(of path: String) -> String? {
        let components = path.split(separator: "/")
        guard let name = components.last else { return nil }
        if Self.looksLikeSecret(path) { return nil }
        if components.dropLast().contains(where: { excludedFolders.contains(String($0)) }) { return nil }
        let lowered = name.lowercased()
        if excludedNames.contains(lowered) || excludedSuffixes.contains(where: { lowered.hasSuffix($0) }) { return nil }
        if let language = namedFiles[String(name)] { return language }
        if lowered.hasPrefix("dockerfile.") || lowered.hasPrefix("dockerfile-") { return "dockerfile" }
        if lowered.hasPrefix("requirements"), lowered.hasSuffix(".txt") { return "requirements" }
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        return languages[String(name[name.index(after: dot)...]).lowercased()]
    }

    /// The language of `path` when a file of `size` bytes there is kept by name, place and size
    /// (`sizeLimit(of:)`), else nil. Empty files are never kept.
    public func language(of path: String, size: Int) -> String? {
        guard size > 0, let language = language(of: path), size <= sizeLimit(of: language) else { return nil }
        return language
    }

    /// The largest file of `language` read from a repository, in bytes: `maxJSONBytes` for JSON
    /// (when lower than `maxFileBytes`), `maxNotebookBytes` for notebooks, else `maxFileBytes`.
    public func sizeLimit(of language: String) -> Int {
        switch language {
        case "json": min(maxFileBytes, maxJSONBytes)
        case "notebook": maxNotebookBytes
        default: maxFileBytes
        }
    }

    /// Whether the file at `path` is named like one that holds credentials, so it is never
    /// captured: `.env` and `.env.*` (except `.env.example`, `.env.sample`, `.env.template`), keys
    /// and certificates (`*.pem`, `*.key`, `*.p12`, `*.pfx`, `*.keystore`, `*.jks`), SSH keys
    /// (`id_rsa*`, `id_dsa*`, `id_ecdsa*`, `id_ed25519*`, public halves included), `credentials*.json`,
    /// `client_secret*.json`, `secrets.*`, `.npmrc`, `.pypirc` and `.netrc`. Only the name is
    /// judged (case-insensitively), never the content.
    public static func looksLikeSecret(_ path: String) -> Bool {
        let name = (path.split(separator: "/").last.map(String.init) ?? path).lowercased()
        if name == ".env" { return true }
        if name.hasPrefix(".env.") { return !["example", "sample", "template"].contains(name.dropFirst(5)) }
        if [".npmrc", ".pypirc", ".netrc"].contains(name) { return true }
        if [".pem", ".key", ".p12", ".pfx", ".keystore", ".jks"].contains(where: { name.hasSuffix($0) }) { return true }
        if ["id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"].contains(where: { name.hasPrefix($0) }) { return true }
        if name.hasSuffix(".json"), name.hasPrefix("credentials") || name.hasPrefix("client_secret") { return true }
        return name.hasPrefix("secrets.")
    }

    /// Whether `bytes` look like text (no NUL in the first 8 KiB and valid UTF-8).
    static func isText(_ bytes: [UInt8]) -> Bool {
        !bytes.prefix(8192).contains(0) && String(validating: bytes, as: UTF8.self) != nil
    }
}
