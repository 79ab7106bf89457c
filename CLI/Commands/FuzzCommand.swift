import ArgumentParser
import Foundation
import TwinlogFuzz
import TwinlogRuntime

/// `twinlog fuzz TARGET|all`: feeds mutated real inputs to a reader of outside bytes for a time or
/// a number of inputs, and reports inputs tried, accepted and rejected. A reader must reject bad
/// input with an error; a trap or hang ends the run and leaves the input in a crash file, which
/// `--replay` runs again. `all` runs every target in a child process of its own, so one crash
/// does not hide the other targets' results. The fuzzing and the waits for children run on a
/// `BlockingExecutor`, off the cooperative pool.
struct FuzzCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fuzz",
        abstract: "Fuzz the readers of outside input (events, pgoutput, GGUF, safetensors, snapshots, LoRA, robots.txt, HTML).",
        discussion: "Targets:\n" + FuzzTarget.all.map { "  \($0.name): \($0.summary)" }.joined(separator: "\n"))

    @Argument(help: "A target (see below), or all.")
    var target: String
    @Option(help: "Seconds per target (default 10 unless --iterations is given).", transform: SecondsFlag.within(0...604_800))
    var seconds: Duration?
    @Option(help: "Stop a target after this many inputs (seeds included).")
    var iterations: Int?
    @Option(help: "Seed of the mutations: the same seed tries the same inputs.")
    var seed: UInt64 = 1
    @Option(help: "Where a crashing input is saved, as crash-TARGET-SEED.bin.")
    var crashDirectory = ".twinlog/fuzz"
    @Option(help: "Seconds one input may run before it counts as a hang (0: no limit).")
    var inputTimeout: UInt32 = 10
    @Option(help: "Address-space limit in MiB, so a hostile size fails its allocation instead of exhausting the machine.")
    var memoryLimit = 4096
    @Option(help: "Run one saved input (a crash file) through the target instead of fuzzing.")
    var replay: String?
    @Flag(help: "Print the report as JSON.")
    var json = false

    func validate() throws {
        if let iterations, iterations < 1 { throw ValidationError("--iterations must be at least 1") }
        guard (64...1_048_576).contains(memoryLimit) else { throw ValidationError("--memory-limit takes 64 to 1048576 MiB") }
        if target == "all", replay != nil { throw ValidationError("--replay needs one target, not all") }
        if target != "all" { _ = try FuzzTarget.named(target) }
    }

    func run() async throws {
        let executor = BlockingExecutor(label: "twinlog.fuzz")
        if target == "all" { return try await runAll(executor) }
        try await executor.run { try runTarget() }
    }

    /// One target in this process: the signal handlers and their stack belong to the thread that runs it.
    private func runTarget() throws {
        try FuzzLimits.limitAddressSpace(bytes: memoryLimit << 20)
        let harness = try FuzzTarget.named(target).prepare()
        if let replay { return try replayInput(replay, harness: harness) }
        try FileManager.default.createDirectory(atPath: crashDirectory, withIntermediateDirectories: true)
        let recorder = try CrashRecorder(path: "\(crashDirectory)/crash-\(target)-\(seed).bin", capacity: 1 << 20, inputTimeout: inputTimeout)
        let report = FuzzRunner(harness: harness, seed: seed).run(iterations: iterations, duration: duration, recorder: recorder)
        recorder.finish()
        if json {
            print(try Self.jsonLine(report))
        } else {
            print(Self.header)
            print(Self.row(report))
            for (kind, count) in report.errorKinds.sorted(by: { $0.key < $1.key }) { print("  rejected by \(kind): \(count)") }
        }
    }

    private var duration: Duration? { seconds ?? (iterations == nil ? .seconds(10) : nil) }

    private func replayInput(_ path: String, harness: FuzzHarness) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
        var outcome: [String: String] = ["target": target, "input": path, "bytes": "\(data.count)"]
        do {
            try harness.body(Array(data))
            outcome["result"] = "accepted"
        } catch {
            outcome["result"] = "rejected"
            outcome["error"] = "\(error)"
        }
        if json {
            print(try Self.jsonLine(outcome))
        } else {
            print("\(target): \(path) (\(data.count) bytes) \(outcome["result"] ?? "")\(outcome["error"].map { ": \($0)" } ?? "")")
        }
    }

    /// Every target in a child process of its own, then one table.
    private func runAll(_ executor: BlockingExecutor) async throws {
        let executable = Bundle.main.executablePath ?? CommandLine.arguments[0]
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("twinlog-fuzz-\(getpid()).json").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        var reports: [FuzzReport] = []
        var failures: [String] = []
        if !json { print(Self.header) }
        fflush(nil)
        for fuzzTarget in FuzzTarget.all {
            var arguments = [executable, "fuzz", fuzzTarget.name, "--json", "--seed", "\(seed)", "--crash-directory", crashDirectory,
                             "--input-timeout", "\(inputTimeout)", "--memory-limit", "\(memoryLimit)"]
            if let duration { arguments += ["--seconds", "\(duration.inSeconds)"] }
            if let iterations { arguments += ["--iterations", "\(iterations)"] }
            let process = try ChildProcess.start(arguments, stdoutPath: output)
            let status = try await executor.run { try process.wait() }
            if status == 0, let data = FileManager.default.contents(atPath: output),
               let report = try? JSONDecoder().decode(FuzzReport.self, from: data) {
                reports.append(report)
                if !json { print(Self.row(report)) }
                fflush(nil)
            } else {
                let crash = "\(crashDirectory)/crash-\(fuzzTarget.name)-\(seed).bin"
                let line = status > 128 ? "died of signal \(status - 128); input saved in \(crash)" : "exited with status \(status)"
                failures.append("\(fuzzTarget.name): \(line)")
                if !json { print("\(fuzzTarget.name.padding(toLength: 14, withPad: " ", startingAt: 0)) \(line)") }
                fflush(nil)
            }
        }
        if json {
            print(try Self.jsonLine(reports))
            for failure in failures { FileHandle.standardError.write(Data("fuzz: \(failure)\n".utf8)) }
        }
        if !failures.isEmpty { throw ExitCode(1) }
    }

    static let header = line(["target", "tried", "accepted", "rejected", "error kinds", "seeds ok", "seconds"])

    static func row(_ report: FuzzReport) -> String {
        line([report.target, "\(report.tried)", "\(report.accepted)", "\(report.rejected)", "\(report.errorKinds.count)",
              "\(report.seedsAccepted)/\(report.seedInputs)", String(format: "%.1f", report.seconds)])
    }

    /// The first cell left-aligned, the others right-aligned in fixed widths.
    static func line(_ cells: [String]) -> String {
        let widths = [14, 11, 11, 11, 13, 10, 9]
        return zip(cells, widths).enumerated().map { index, cell in
            let pad = String(repeating: " ", count: max(0, cell.1 - cell.0.count))
            return index == 0 ? cell.0 + pad : pad + cell.0
        }.joined()
    }

    /// `value` as one line of JSON with sorted keys, for scripts.
    static func jsonLine<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
