#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the signal handler finds the input under test: preallocated, so the handler only calls
/// `write` (async-signal-safe) on a file descriptor opened before the run.
private struct CrashState {
    var descriptor: Int32
    var buffer: UnsafeMutablePointer<UInt8>
    var capacity: Int
    var length: Int
    var message: UnsafeMutablePointer<CChar>
    var messageLength: Int
    var fired: Int32
    /// The handlers in place before the recorder's, indexed by signal number.
    var previous: UnsafeMutablePointer<sigaction>
}

nonisolated(unsafe) private var crashState: UnsafeMutablePointer<CrashState>?

/// Writes the input under test and a line naming the crash file, puts the previous handler back
/// and returns: the faulting instruction runs again and meets that handler (Swift's backtracer,
/// which prints where the trap was, or the default action), so the process still dies of the
/// signal. The alarm of a hung input is raised again, to end the process the same way.
private func recordCrash(_ signal: Int32) {
    guard let state = crashState else { return }
    state.pointee.fired = 1
    var written = 0
    while written < state.pointee.length {
        let result = write(state.pointee.descriptor, state.pointee.buffer + written, state.pointee.length - written)
        if result <= 0 { break }
        written += result
    }
    _ = write(2, state.pointee.message, state.pointee.messageLength)
    sigaction(signal, state.pointee.previous + Int(signal), nil)
    if signal == SIGALRM { raise(SIGALRM) }
}

/// Keeps the input a fuzz target is running on where a trap can still save it.
///
/// A trap (a failed precondition, an overflow, an index out of range) cannot be caught in the
/// process: Swift ends it with SIGILL or SIGTRAP, a bad memory access with SIGSEGV or SIGBUS, a C
/// library's abort with SIGABRT. While armed, handlers for those signals (on an alternate stack,
/// so a stack overflow is caught too) write the current input to `path`, so the finding can become
/// a regression test. With an input timeout, an input that runs longer ends the process with
/// SIGALRM and is saved the same way. `finish()` restores the previous handlers and removes the
/// file unless a signal fired.
public final class CrashRecorder {
    /// The crash file: the input that trapped, byte for byte.
    public let path: String
    private let state: UnsafeMutablePointer<CrashState>
    private let alternateStack: UnsafeMutableRawPointer
    private static let alternateStackSize = 1 << 16
    private static let signals: [Int32] = [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGABRT, SIGALRM]
    private static let signalSlots = 65
    private let inputTimeout: UInt32
    private var previousStack = stack_t()
    private var finished = false

    /// Opens `path` (creating or truncating it) and installs the handlers; inputs up to
    /// `capacity` bytes are recorded whole. `inputTimeout` seconds (0: none) bound each input.
    public init(path: String, capacity: Int, inputTimeout: UInt32 = 0) throws(FuzzError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FuzzError("cannot create the crash file \(path) (errno \(errno))") }
        self.path = path
        self.inputTimeout = inputTimeout
        let message = "fuzz: the target trapped or hung; the input that did it is in \(path)\n"
        let messageBytes = UnsafeMutablePointer<CChar>.allocate(capacity: message.utf8.count)
        message.utf8.enumerated().forEach { messageBytes[$0.offset] = CChar(bitPattern: $0.element) }
        let previous = UnsafeMutablePointer<sigaction>.allocate(capacity: Self.signalSlots)
        previous.initialize(repeating: sigaction(), count: Self.signalSlots)
        state = .allocate(capacity: 1)
        state.initialize(to: CrashState(descriptor: descriptor, buffer: .allocate(capacity: max(capacity, 1)), capacity: max(capacity, 1),
                                        length: 0, message: messageBytes, messageLength: message.utf8.count, fired: 0,
                                        previous: previous))
        alternateStack = .allocate(byteCount: Self.alternateStackSize, alignment: 16)
        var stack = stack_t()
        stack.ss_sp = alternateStack
        stack.ss_size = Self.alternateStackSize
        stack.ss_flags = 0
        sigaltstack(&stack, &previousStack)
        crashState = state
        for signal in Self.signals {
            var action = sigaction()
            #if canImport(Glibc)
            action.__sigaction_handler.sa_handler = { recordCrash($0) }
            action.sa_flags = Int32(SA_ONSTACK)
            #else
            action.__sigaction_u.__sa_handler = { recordCrash($0) }
            action.sa_flags = SA_ONSTACK
            #endif
            sigemptyset(&action.sa_mask)
            sigaction(signal, &action, previous + Int(signal))
        }
    }

    /// Copies `input` (its first `capacity` bytes) where the handlers find it.
    public func arm(_ input: [UInt8]) {
        let count = min(input.count, state.pointee.capacity)
        input.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { state.pointee.buffer.update(from: base, count: count) }
        }
        state.pointee.length = count
        if inputTimeout > 0 { alarm(inputTimeout) }
    }

    /// Whether a handler ran (only observable when the signal did not end the process).
    public var fired: Bool { state.pointee.fired != 0 }

    /// Restores the previous handlers and stack; removes the crash file when nothing was recorded.
    public func finish() {
        guard !finished else { return }
        finished = true
        if inputTimeout > 0 { alarm(0) }
        for signal in Self.signals { sigaction(signal, state.pointee.previous + Int(signal), nil) }
        sigaltstack(&previousStack, nil)
        crashState = nil
        close(state.pointee.descriptor)
        if state.pointee.fired == 0 { unlink(path) }
    }

    deinit {
        finish()
        state.pointee.buffer.deallocate()
        state.pointee.message.deallocate()
        state.pointee.previous.deallocate()
        state.deallocate()
        alternateStack.deallocate()
    }
}
