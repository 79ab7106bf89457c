import Crypto
import Foundation
import TwinlogGeneration
import TwinlogRuntime

/// SHA-256 of a file read in 8 MiB pieces, so hashing a model of hundreds of megabytes never
/// holds it in memory twice. Names the base model in checkpoints, adapters and the registry.
public enum FileDigest {
    /// The hex SHA-256 of the file at `path` (blocking: call it off the cooperative pool).
    public static func sha256(ofFileAt path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ArtifactError(path: path, reason: "cannot be opened")
        }
        defer { try? handle.close() }
        var hash = SHA256()
        while let piece = try handle.read(upToCount: 8 << 20), !piece.isEmpty { hash.update(data: piece) }
        return hash.finalize().hexDigits
    }
}
