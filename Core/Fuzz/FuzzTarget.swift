import Foundation

/// A reader of outside input under fuzzing: its name, what it covers, and how to prepare it.
public struct FuzzTarget: Sendable {
    public let name: String
    /// What the target feeds its inputs to, for `--help` and the report.
    public let summary: String
    /// Builds the seeds and the closure that runs one input (may create scratch files).
    public let prepare: @Sendable () throws -> FuzzHarness

    public init(name: String, summary: String, prepare: @escaping @Sendable () throws -> FuzzHarness) {
        self.name = name
        self.summary = summary
        self.prepare = prepare
    }

    /// Every target, in the order `twinlog fuzz all` runs them.
    public static let all: [FuzzTarget] = [
        events, pgoutput, gguf, safetensors, snapshot, snapshotBody, lora, robots, html,
    ]

    /// The target called `name`.
    public static func named(_ name: String) throws(FuzzError) -> FuzzTarget {
        guard let target = all.first(where: { $0.name == name }) else {
            throw FuzzError("no fuzz target \(name); the targets are \(all.map(\.name).joined(separator: ", "))")
        }
        return target
    }
}

/// A prepared target: real seed inputs, and the closure that feeds one input to the code under
/// test, throwing when the code rejects it. Scratch files go away with the harness.
public final class FuzzHarness {
    public let name: String
    public let seeds: [[UInt8]]
    public let body: ([UInt8]) throws -> Void
    private let scratch: ScratchDirectory?

    /// A harness over `seeds` that feeds an input to `body`.
    public convenience init(name: String, seeds: [[UInt8]], body: @escaping ([UInt8]) throws -> Void) {
        self.init(name: name, seeds: seeds, scratch: nil, body: body)
    }

    init(name: String, seeds: [[UInt8]], scratch: ScratchDirectory?, body: @escaping ([UInt8]) throws -> Void) {
        self.name = name
        self.seeds = seeds
        self.scratch = scratch
        self.body = body
    }
}

/// A private temporary directory for targets whose readers take a path, removed on deinit.
final class ScratchDirectory {
    let url: URL

    init(_ label: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("twinlog-fuzz-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// Writes `bytes` to the file `name` in the directory and returns its path.
    func write(_ bytes: [UInt8], to name: String) throws -> String {
        let path = url.appendingPathComponent(name).path
        do { try Data(bytes).write(to: URL(fileURLWithPath: path)) } catch { throw FuzzError("cannot write the scratch file \(path): \(error)") }
        return path
    }

    /// The bytes of the file `name` in the directory.
    func read(_ name: String) throws -> [UInt8] {
        let path = url.appendingPathComponent(name).path
        guard let data = FileManager.default.contents(atPath: path) else { throw FuzzError("cannot read the scratch file \(path)") }
        return Array(data)
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}
