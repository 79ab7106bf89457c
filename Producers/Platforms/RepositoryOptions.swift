/// Which repository files become documents: documentation and source by extension, within a
/// size limit, outside vendored, generated and build folders; binaries (a NUL byte, or invalid
/// UTF-8) are skipped.
public struct RepositoryOptions: Sendable {
    /// Largest file kept, in bytes.
    public var maxFileBytes = 1 << 20
    /// Where https repositories are cloned (bare) and fetched on later crawls.
    public var cacheDirectory = ".twinlog/crawl/repositories"

    /// Extension (lowercased, without the dot) → language recorded in the event.
    public var languages: [String: String] = [
        "md": "markdown", "markdown": "markdown", "mdx": "markdown", "rst": "restructuredtext", "adoc": "asciidoc",
        "asciidoc": "asciidoc", "txt": "text", "org": "org", "tex": "latex",
        "swift": "swift", "py": "python", "pyi": "python", "js": "javascript", "mjs": "javascript", "cjs": "javascript",
        "jsx": "javascript", "ts": "typescript", "tsx": "typescript", "go": "go", "rs": "rust", "java": "java", "kt": "kotlin",
        "kts": "kotlin", "scala": "scala", "c": "c", "h": "c", "cc": "cpp", "cpp": "cpp", "cxx": "cpp", "hpp": "cpp", "hh": "cpp",
        "m": "objective-c", "mm": "objective-c", "cs": "csharp", "fs": "fsharp", "rb": "ruby", "php": "php", "pl": "perl",
        "lua": "lua", "r": "r", "jl": "julia", "ex": "elixir", "exs": "elixir", "erl": "erlang", "hs": "haskell", "ml": "ocaml",
        "clj": "clojure", "dart": "dart", "sh": "shell", "bash": "shell", "zsh": "shell", "sql": "sql", "proto": "protobuf",
        "graphql": "graphql", "vue": "vue", "svelte": "svelte", "zig": "zig", "nim": "nim",
    ]
    /// Files without a listed extension that are still kept, by exact name.
    public var namedFiles: [String: String] = [
        "README": "text", "Dockerfile": "dockerfile", "Makefile": "makefile", "CHANGELOG": "text", "CONTRIBUTING": "text",
    ]
    /// Folders whose content is never the author's writing.
    public var excludedFolders: Set<String> = [
        ".git", "node_modules", "vendor", "vendors", "third_party", "thirdparty", "third-party", "external", "deps", "dist", "build",
        "out", "target", ".build", "Pods", "Carthage", "__pycache__", ".venv", "venv", "site-packages", "bower_components", ".next",
        ".nuxt", "coverage", "generated", "__generated__", ".idea", ".vscode", ".tox", ".gradle",
    ]
    /// File name endings that mark generated or minified files.
    public var excludedSuffixes = [
        ".min.js", ".min.css", ".pb.go", "_pb2.py", ".pb.swift", ".g.dart", ".designer.cs", ".generated.swift", ".lock",
        "package-lock.json",
    ]

    public init() {}

    /// The language of `path` when the file is kept by name and place, else nil.
    public func language(of path: String) -> String? {
        let components = path.split(separator: "/")
        guard let name = components.last else { return nil }
        if components.dropLast().contains(where: { excludedFolders.contains(String($0)) }) { return nil }
        let lowered = name.lowercased()
        if excludedSuffixes.contains(where: { lowered.hasSuffix($0) }) { return nil }
        if let language = namedFiles[String(name)] { return language }
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        return languages[String(name[name.index(after: dot)...]).lowercased()]
    }

    /// Whether `bytes` look like text (no NUL in the first 8 KiB and valid UTF-8).
    static func isText(_ bytes: [UInt8]) -> Bool {
        !bytes.prefix(8192).contains(0) && String(validating: bytes, as: UTF8.self) != nil
    }
}
