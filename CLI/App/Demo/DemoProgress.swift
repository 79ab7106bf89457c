import Foundation
import Synchronization
import TwinlogRuntime

/// Where the demo reports its steps: each step starts, may report how far it is, and finishes
/// with a one-line result. `TerminalProgress` draws it; `SilentProgress` drops it (tests).
public protocol DemoProgress: Sendable {
    /// Starts a step; `total` is the number of units when known (sources, chunks, questions).
    func begin(_ title: String, total: Int?) -> any DemoProgressStep
}

/// One running step of the demo.
public protocol DemoProgressStep: Sendable {
    /// How far the step is; `total` replaces the one given at the start when it becomes known.
    func update(_ done: Int, total: Int?, detail: String)
    /// Ends the step with what it did.
    func finish(_ result: String)
}

/// Reports nothing.
public struct SilentProgress: DemoProgress, DemoProgressStep {
    public init() {}
    public func begin(_ title: String, total: Int?) -> any DemoProgressStep { self }
    public func update(_ done: Int, total: Int?, detail: String) {}
    public func finish(_ result: String) {}
}

/// Draws each step on standard output: on a terminal a line redrawn ten times a second with a
/// spinner, a bar when the total is known, the detail and the elapsed time, replaced by a ✓ line
/// when the step finishes; elsewhere (a pipe, a log) only the finished lines.
public final class TerminalProgress: DemoProgress, Sendable {
    private let interactive: Bool
    private let output = FileHandle.standardOutput

    public init(interactive: Bool = isatty(STDOUT_FILENO) == 1) {
        self.interactive = interactive
    }

    public func begin(_ title: String, total: Int?) -> any DemoProgressStep {
        TerminalStep(title: title, total: total, interactive: interactive, output: output)
    }
}

private final class TerminalStep: DemoProgressStep, Sendable {
    private struct State {
        var done = 0
        var total: Int?
        var detail = ""
        var frame = 0
        var finished = false
    }

    private let title: String
    private let interactive: Bool
    private let output: FileHandle
    private let started = ContinuousClock.now
    private let state: Mutex<State>
    private let ticker = Mutex<Task<Void, Never>?>(nil)
    private static let spinner = Array("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")

    init(title: String, total: Int?, interactive: Bool, output: FileHandle) {
        self.title = title
        self.interactive = interactive
        self.output = output
        state = Mutex(State(total: total))
        guard interactive else { return }
        let task = Task { [weak self] in
            while !Task.isCancelled {
                self?.draw()
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        ticker.withLock { $0 = task }
    }

    func update(_ done: Int, total: Int?, detail: String) {
        state.withLock {
            $0.done = done
            if let total { $0.total = total }
            $0.detail = detail
        }
    }

    func finish(_ result: String) {
        ticker.withLock { $0?.cancel() }
        // Written under the lock, so a redraw can never land after the finished line.
        state.withLock { state in
            guard !state.finished else { return }
            state.finished = true
            let line = "✓ \(title) — \(result) (\(Self.seconds(ContinuousClock.now - started)))"
            write((interactive ? "\r\u{1B}[K" : "") + line + "\n")
        }
    }

    private func draw() {
        state.withLock { state in
            guard !state.finished else { return }
            state.frame += 1
            var text = "\(Self.spinner[state.frame % Self.spinner.count]) \(title)"
            if let total = state.total, total > 0 {
                let width = 24
                let filled = min(width, state.done * width / total)
                text += "  [" + String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled) + "] \(state.done)/\(total)"
            }
            if !state.detail.isEmpty { text += "  \(state.detail)" }
            write("\r\u{1B}[K" + text + "  " + Self.seconds(ContinuousClock.now - started))
        }
    }

    private func write(_ text: String) {
        output.write(Data(text.utf8))
    }

    static func seconds(_ duration: Duration) -> String {
        String(format: "%.1f s", duration.inSeconds)
    }
}
