import Foundation

/// A short name no other test or run uses, for a test's topics, consumer groups, schema and
/// folders: "t", eight hex digits, "_", and the label with `-` as `_` (valid as a PostgreSQL
/// identifier, a topic prefix and a group id).
public func uniqueName(_ label: String) -> String {
    "t\(UUID().uuidString.prefix(8).lowercased())_\(label.replacingOccurrences(of: "-", with: "_"))"
}

/// Waits until `condition` holds or `timeout` passes, checking every `interval`; returns whether
/// it held. The default timeout is long enough for a debug build's pipeline on a busy machine.
public func eventually(timeout: Duration = .seconds(120), interval: Duration = .milliseconds(50),
                       _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return try await condition()
}

/// A path under the system's temporary directory that no other test or run uses (nothing is
/// created): the label, which may end in an extension (`crash.bin`), after a unique stem.
public func temporaryPath(_ label: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent(uniqueName(label)).path
}

/// Creates an empty folder of this test's own under the system's temporary directory.
public func makeTemporaryFolder(_ label: String) throws -> String {
    let path = temporaryPath(label)
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
