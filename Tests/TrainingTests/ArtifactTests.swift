import Foundation
import Testing
@testable import TwinlogGeneration
@testable import TwinlogTraining
import TwinlogTestSupport

/// The adapter file: round trip, content hash, and clear errors for damaged files.
@Suite("adapter artifacts")
struct ArtifactTests {
    static func trained() -> LoRAParameters {
        var p = LoRAParameters(configuration: LoRAConfiguration(rank: 2, alpha: 4, targets: [.query, .down]),
                               shape: ModelShape(GradientCheckTests.tinyConfig), seed: 3)
        for i in p.values.indices where p.values[i] == 0 { p.values[i] = Float(i % 7) * 0.01 }
        return p
    }

    static func write(_ parameters: LoRAParameters = trained()) throws -> (String, LoRAArtifact) {
        let path = try makeTemporaryFolder("artifacts") + "/adapter.twlt"
        return (path, try LoRAArtifact(parameters: parameters, metadata: ["dataset": "v1"]).write(to: path))
    }

    @Test("an adapter reads back exactly, with its metadata and a stable SHA-256")
    func roundTrip() throws {
        let (path, written) = try Self.write()
        let read = try LoRAArtifact.load(path: path)
        #expect(read.parameters == Self.trained())
        #expect(read.metadata == ["dataset": "v1"])
        #expect(read.contentHash == written.contentHash && written.contentHash?.count == 64)
        let (_, again) = try Self.write()
        #expect(again.contentHash == written.contentHash)
    }

    static func expectInvalid(_ bytes: [UInt8], mentioning words: String) throws {
        let path = try makeTemporaryFolder("artifacts") + "/bad.twlt"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        do {
            _ = try LoRAArtifact.load(path: path)
            Issue.record("loading should fail (\(words))")
        } catch let error as ArtifactError {
            #expect(error.description.contains(words), "\(error)")
        }
    }

    @Test("truncated, corrupted, foreign and empty files fail with a clear error")
    func damaged() throws {
        let (path, _) = try Self.write()
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        try Self.expectInvalid(Array(bytes.prefix(bytes.count - 100)), mentioning: "SHA-256")
        try Self.expectInvalid(Array(bytes.prefix(20)), mentioning: "truncated")
        try Self.expectInvalid([], mentioning: "too short")
        var flipped = bytes
        flipped[bytes.count / 2] ^= 0x40
        try Self.expectInvalid(flipped, mentioning: "SHA-256")
        var foreign = bytes
        foreign[0] = UInt8(ascii: "X")
        try Self.expectInvalid(foreign, mentioning: "magic")
    }

    @Test("a NaN inside a file with a valid hash is still refused")
    func nonFinite() throws {
        var p = Self.trained()
        p.values[5] = .nan
        let path = try makeTemporaryFolder("artifacts") + "/nan.twlt"
        var file = TensorFile(header: AdapterHeader(lora: p.configuration, model: p.shape, metadata: [:],
                                                    tensors: [TensorEntry(name: "x", shape: [p.count])]), tensors: [p.values])
        try file.write(to: path)
        #expect(throws: ArtifactError.self) { try LoRAArtifact.load(path: path) }
        do { _ = try LoRAArtifact.load(path: path) } catch { #expect("\(error)".contains("non-finite")) }
    }

    @Test("tensors that do not match the header's LoRA settings are refused")
    func wrongShapes() throws {
        let p = Self.trained()
        let path = try makeTemporaryFolder("artifacts") + "/shape.twlt"
        var other = p.configuration
        other.rank = 3
        var file = TensorFile(header: AdapterHeader(lora: other, model: p.shape, metadata: [:],
                                                    tensors: [TensorEntry(name: "x", shape: [p.count])]), tensors: [p.values])
        try file.write(to: path)
        do {
            _ = try LoRAArtifact.load(path: path)
            Issue.record("loading should fail")
        } catch { #expect("\(error)".contains("tensors")) }
    }
}
