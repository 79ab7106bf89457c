#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The folder artifacts may be read from. A path named by an event is resolved to its real path
/// (every symlink and `..` followed) and refused unless it lies inside the folder's real path, so
/// an event cannot make a service read `/etc/passwd` or follow a link out of the folder.
public struct ArtifactFolder: Sendable {
    /// The folder's real path.
    public let root: String

    /// The folder at `path` (relative paths from the working directory); it must exist.
    public init(path: String) throws {
        guard let root = Self.realPath(path) else {
            throw ArtifactError(path: path, reason: "the artifacts folder does not exist or cannot be resolved")
        }
        self.root = root
    }

    /// The real path of `path` (relative paths from the folder), or an error when it does not exist
    /// or lies outside the folder.
    public func resolve(_ path: String) throws -> String {
        guard !path.isEmpty, !path.utf8.contains(0) else {
            throw ArtifactError(path: path, reason: "not a file path")
        }
        let joined = path.hasPrefix("/") ? path : root + "/" + path
        guard let real = Self.realPath(joined) else {
            throw ArtifactError(path: path, reason: "does not exist or cannot be resolved")
        }
        let inside = root == "/" ? real.hasPrefix("/") : real.hasPrefix(root + "/")
        guard inside else {
            throw ArtifactError(path: path, reason: "resolves to \(real), outside the artifacts folder \(root)")
        }
        return real
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
