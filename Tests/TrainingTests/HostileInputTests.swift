import Crypto
import Foundation
import Testing
import TwinlogGeneration
import TwinlogRuntime
@testable import TwinlogTraining
import TwinlogTestSupport

/// Adapter files and paths written by someone hostile: every one is refused with an error that
/// says why, none traps or allocates what the file's bytes cannot back.
@Suite("hostile adapter files and paths")
struct TrainingHostileInputTests {
    /// A TWLTENS1 file built byte by byte around `header` (JSON) and `values`, with a valid trailer.
    static func artifact(header: String, values: [Float] = []) -> [UInt8] {
        var bytes = Array("TWLTENS1".utf8)
        bytes += withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian, Array.init)
        bytes += Array(header.utf8)
        for value in values { bytes += withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init) }
        return bytes + Array(SHA256.hash(data: bytes))
    }

    /// An adapter header with `model` and `tensors` (JSON fragments).
    static func header(model: String = #"{"layers":1,"modelDim":2,"ffnDim":2,"kvDim":2}"#, tensors: String) -> String {
        #"{"format":1,"kind":"adapter","lora":{"rank":1,"alpha":1,"dropout":0,"targets":["query"]},"model":"#
            + model + #","metadata":{},"tensors":"# + tensors + "}"
    }

    static func write(_ bytes: [UInt8]) throws -> String {
        let path = try makeTemporaryFolder("artifacts") + "/hostile.twlt"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func expectRefused(_ bytes: [UInt8], mentioning words: String) throws {
        let path = try write(bytes)
        let error = #expect(throws: ArtifactError.self) { try LoRAArtifact.load(path: path) }
        #expect(error.map { "\($0)".contains(words) } == true, "\(String(describing: error))")
        let inMemory = #expect(throws: ArtifactError.self) { try LoRAArtifact.parse(bytes: bytes) }
        #expect(inMemory.map { "\($0)".contains(words) } == true, "\(String(describing: inMemory))")
    }

    @Test("a tensor shape whose element count overflows ([2^26, 2^26, 2^26]) is refused, not trapped on")
    func overflowingShape() throws {
        try Self.expectRefused(Self.artifact(header: Self.header(tensors: #"[{"name":"x","shape":[67108864,67108864,67108864]}]"#)),
                               mentioning: "their product within Int")
        try Self.expectRefused(Self.artifact(header: Self.header(tensors: #"[{"name":"x","shape":[67108864,67108864,3]}]"#)),
                               mentioning: "more values than")
    }

    @Test("a header model shape whose adapter size overflows is refused before anything is allocated")
    func overflowingModelShape() throws {
        let huge = Int.max / 2
        let model = #"{"layers":\#(huge),"modelDim":\#(huge),"ffnDim":\#(huge),"kvDim":\#(huge)}"#
        try Self.expectRefused(Self.artifact(header: Self.header(model: model, tensors: #"[{"name":"x","shape":[2]}]"#), values: [0, 0]),
                               mentioning: "its tensors hold 2")
        let manyLayers = #"{"layers":1099511627776,"modelDim":2,"ffnDim":2,"kvDim":2}"#
        try Self.expectRefused(Self.artifact(header: Self.header(model: manyLayers, tensors: #"[{"name":"x","shape":[4]}]"#),
                                             values: [0, 0, 0, 0]),
                               mentioning: "its tensors hold 4")
    }

    @Test("the expected SHA-256 is compared before the header is parsed")
    func hashBeforeParsing() throws {
        let bytes = Self.artifact(header: "{ not json")
        let path = try Self.write(bytes)
        let wrong = String(repeating: "0", count: 64)
        let error = #expect(throws: ArtifactError.self) { try LoRAArtifact.load(path: path, expectedSha256: wrong) }
        #expect(error.map { "\($0)".contains("expected \(wrong)") } == true, "\(String(describing: error))")
        // With the right hash the same bytes get as far as the header.
        let right = SHA256.hash(data: bytes.dropLast(32)).hexDigits
        let parsed = #expect(throws: ArtifactError.self) { try LoRAArtifact.load(path: path, expectedSha256: right) }
        #expect(parsed.map { "\($0)".contains("unreadable header") } == true)
    }

    @Test("an artifact made for another model shape is refused when the base model's shape is given")
    func shapeAgainstBase() throws {
        let (path, written) = try ArtifactTests.write()
        let other = ModelShape(layers: 3, modelDim: 16, ffnDim: 24, kvDim: 8)
        let error = #expect(throws: ArtifactError.self) {
            try LoRAArtifact.load(path: path, expectedSha256: written.contentHash, model: other)
        }
        #expect(error.map { "\($0)".contains("the base model is") } == true)
        let loaded = try LoRAArtifact.load(path: path, expectedSha256: written.contentHash, model: ModelShape(GradientCheckTests.tinyConfig))
        #expect(loaded.parameters == ArtifactTests.trained())
    }

    @Test("a file over the size cap is refused before it is read")
    func sizeCap() throws {
        let path = try makeTemporaryFolder("artifacts") + "/huge.twlt"
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        // Sparse: no gigabyte is written.
        try handle.truncate(atOffset: UInt64(TensorFileFormat.maxBytes) + 1)
        try handle.close()
        let error = #expect(throws: ArtifactError.self) { try LoRAArtifact.load(path: path) }
        #expect(error.map { "\($0)".contains("limit") } == true, "\(String(describing: error))")
    }

    @Test("the artifacts folder refuses paths that resolve outside it: .., absolute paths, symlinks; and resolves those inside")
    func artifactFolder() throws {
        let root = try makeTemporaryFolder("artifacts")
        try FileManager.default.createDirectory(atPath: root + "/adapters", withIntermediateDirectories: true)
        let folder = try ArtifactFolder(path: root)
        try Data([1]).write(to: URL(fileURLWithPath: root + "/adapters/a.twlt"))
        #expect(try folder.resolve(root + "/adapters/a.twlt") == folder.root + "/adapters/a.twlt")
        #expect(try folder.resolve("adapters/a.twlt") == folder.root + "/adapters/a.twlt")
        try FileManager.default.createSymbolicLink(atPath: root + "/adapters/out.twlt", withDestinationPath: "/etc/passwd")
        try FileManager.default.createSymbolicLink(atPath: root + "/adapters/zero.twlt", withDestinationPath: "/dev/zero")
        for path in ["../../etc/passwd", root + "/../../../../../etc/passwd", "/etc/passwd", "/dev/zero",
                     root + "/adapters/out.twlt", "adapters/zero.twlt", root + "/adapters/missing.twlt", ""] {
            #expect(throws: ArtifactError.self, "\(path)") { try folder.resolve(path) }
        }
    }

    @Test("a device or folder is not read as an artifact")
    func notARegularFile() throws {
        let error = #expect(throws: ArtifactError.self) { try LoRAArtifact.load(path: "/dev/zero") }
        #expect(error.map { "\($0)".contains("not a regular file") } == true)
    }
}
