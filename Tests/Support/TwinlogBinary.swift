import Foundation

/// The `twinlog` executable that `swift build --build-tests` put next to the test bundle (found
/// under any scratch path), or `TWINLOG_BINARY`: what the kill tests start as a child process.
public func twinlogBinary() throws -> String {
    var candidates = [Bundle.main.bundleURL.appendingPathComponent("twinlog").path,
                      Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("twinlog").path,
                      ".build/debug/twinlog"]
    if let explicit = ProcessInfo.processInfo.environment["TWINLOG_BINARY"] { candidates.insert(explicit, at: 0) }
    guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
        throw ServiceMissing("the twinlog binary is missing (looked for \(candidates)); "
                             + "run `swift build --build-tests` first (infra/dev/test does) or set TWINLOG_BINARY")
    }
    return found
}
