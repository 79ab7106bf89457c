#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import TwinlogFuzz
import TwinlogRuntime
import TwinlogTestSupport

/// Runs of the `twinlog` binary's fuzz command, so a target that traps fails its test instead of
/// ending the whole test process.
enum FuzzProcess {
    /// The `twinlog` binary: `TWINLOG_BINARY`, or the one `swift build` put next to the test bundle.
    static func binary() throws -> String {
        var candidates = [Bundle.main.bundleURL.appendingPathComponent("twinlog").path,
                          Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("twinlog").path]
        if let explicit = ProcessInfo.processInfo.environment["TWINLOG_BINARY"] { candidates.insert(explicit, at: 0) }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw FuzzError("the twinlog binary is missing (looked for \(candidates)); run `swift build --build-tests` first or set TWINLOG_BINARY")
        }
        return found
    }

    static let executor = BlockingExecutor(label: "tests.fuzz")

    /// Runs `twinlog fuzz` with `arguments` (waiting off the cooperative pool); returns the exit
    /// status, standard output and standard error.
    static func run(_ arguments: [String]) async throws -> (status: Int32, output: String, errors: String) {
        let folder = URL(fileURLWithPath: temporaryPath("fuzz-test"))
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out").path, err = folder.appendingPathComponent("err").path
        let process = try ChildProcess.start([try binary(), "fuzz"] + arguments, stdoutPath: out, stderrPath: err)
        let status = try await executor.run { try process.wait() }
        let text = { (path: String) in String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self) }
        return (status, text(out), text(err))
    }
}

@Suite("fuzz targets: bounded runs never trap")
struct FuzzTargetTests {
    static let iterations = 2_000

    /// One bounded run of `target` in a child process, with a fixed seed.
    func fuzz(_ target: String, iterations: Int = Self.iterations) async throws -> FuzzReport {
        let crashes = temporaryPath("fuzz-crashes")
        defer { try? FileManager.default.removeItem(atPath: crashes) }
        let run = try await FuzzProcess.run([target, "--iterations", "\(iterations)", "--seed", "20", "--json", "--crash-directory", crashes])
        let crash = "\(crashes)/crash-\(target)-20.bin"
        let input = FileManager.default.contents(atPath: crash).map { Array($0).map { String(format: "%02x", $0) }.joined() } ?? "none"
        try #require(run.status == 0, "twinlog fuzz \(target) ended with status \(run.status): \(run.errors); input (hex): \(input)")
        return try JSONDecoder().decode(FuzzReport.self, from: Data(run.output.utf8))
    }

    @Test("every target tries exactly the inputs it is given, accepts all its seeds and rejects some mutants with errors",
          arguments: FuzzTarget.all.map(\.name))
    func boundedRun(target: String) async throws {
        let report = try await fuzz(target)
        #expect(report.target == target)
        #expect(report.tried == Self.iterations)
        #expect(report.accepted + report.rejected == report.tried)
        #expect(report.seedInputs > 0)
        #expect(report.seedsAccepted == report.seedInputs, "a seed is rejected: \(report.errorKinds)")
        // robots.txt has no invalid input: every text is a (possibly empty) set of rules.
        if target != "robots" { #expect(report.rejected > 0, "no mutant was rejected: the mutations do not reach the reader's checks") }
        #expect(report.accepted > report.seedInputs, "only the seeds were accepted")
    }
}

/// Serialized: a crash recorder's signal handlers are process-wide.
@Suite("fuzz engine: mutations, runner and crash recorder", .serialized)
struct FuzzEngineTests {
    /// A target whose seeds are JSON-ish text and whose reader refuses inputs without a brace.
    func harness(seeds: [[UInt8]] = [Array(#"{"k": 5, "v": [1, 2.5]}"#.utf8)]) -> FuzzHarness {
        FuzzHarness(name: "braces", seeds: seeds) { input in
            guard input.first == UInt8(ascii: "{") else { throw FuzzError("no opening brace") }
        }
    }

    @Test("the same seed gives the same mutants, another seed others")
    func deterministic() {
        let input = Array("Crawl-delay: 10\nlength 4096 and 3.5".utf8)
        func mutants(_ seed: UInt64) -> [[UInt8]] {
            var mutator = FuzzMutator(seed: seed)
            return (0..<200).map { _ in mutator.mutate(input, other: Array("other".utf8)) }
        }
        #expect(mutants(7) == mutants(7))
        #expect(mutants(7) != mutants(8))
    }

    @Test("number tokens in text are replaced by hostile numbers such as 1e300, nan, inf and -1")
    func hostileNumbers() {
        var mutator = FuzzMutator(seed: 3)
        let tokens = Set(["1e300", "nan", "inf", "-1"])
        var seen = Set<String>()
        for _ in 0..<3_000 {
            let text = String(decoding: mutator.mutate(Array("Crawl-delay: 10".utf8), other: []), as: UTF8.self)
            if text.hasPrefix("Crawl-delay: ") { seen.insert(String(text.dropFirst("Crawl-delay: ".count))) }
        }
        #expect(tokens.isSubset(of: seen), "saw \(seen.intersection(tokens))")
    }

    @Test("mutants never exceed the size limit")
    func sizeLimit() {
        var mutator = FuzzMutator(seed: 5, maximumSize: 64)
        var input = [UInt8](repeating: 0x41, count: 60)
        for _ in 0..<2_000 {
            input = mutator.mutate(input, other: input + input)
            #expect(input.count <= 64)
        }
    }

    @Test("a run counts every input; thrown errors are rejections, by error type")
    func counts() {
        let report = FuzzRunner(harness: harness(), seed: 1).run(iterations: 500)
        #expect(report.tried == 500)
        #expect(report.seedsAccepted == 1)
        #expect(report.accepted > 1)
        #expect(report.rejected > 0)
        #expect(report.accepted + report.rejected == 500)
        #expect(report.errorKinds == ["TwinlogFuzz.FuzzError": report.rejected])
    }

    @Test("a run with the same seed and count tries the same inputs")
    func reproducible() {
        let first = FuzzRunner(harness: harness(), seed: 9).run(iterations: 300)
        let second = FuzzRunner(harness: harness(), seed: 9).run(iterations: 300)
        #expect(first.accepted == second.accepted)
        #expect(first.rejected == second.rejected)
    }

    @Test("a trap signal while an input runs leaves that input, byte for byte, in the crash file")
    func crashFile() throws {
        let path = temporaryPath("crash.bin")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let recorder = try CrashRecorder(path: path, capacity: 1 << 10)
        let input: [UInt8] = [0x7B, 0x00, 0xFF, 0x80, 0x0A, 0x22]
        recorder.arm(Array("an earlier, longer input".utf8))
        recorder.arm(input)
        // What Swift's trap instruction delivers; raised here, the handler returns and the test goes on.
        raise(SIGILL)
        recorder.finish()
        #expect(recorder.fired)
        #expect(FileManager.default.contents(atPath: path).map(Array.init) == input)
    }

    @Test("a run without a trap leaves no crash file")
    func noCrashFile() throws {
        let path = temporaryPath("crash.bin")
        let recorder = try CrashRecorder(path: path, capacity: 1 << 10)
        _ = FuzzRunner(harness: harness(), seed: 2).run(iterations: 100, recorder: recorder)
        recorder.finish()
        #expect(!recorder.fired)
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test("an unknown target name is refused with the list of targets")
    func unknownTarget() {
        #expect { try FuzzTarget.named("nope") } throws: { "\($0)".contains("events, pgoutput") }
    }
}
