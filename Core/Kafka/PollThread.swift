import Foundation
import Synchronization

/// A dedicated thread that calls a blocking poll function in a loop until stopped; librdkafka
/// serves delivery reports and other callbacks from inside such polls. It never runs on Swift's
/// cooperative pool.
final class PollThread: Sendable {
    private final class State: Sendable {
        let stopping = Atomic<Bool>(false)
        let exited = DispatchSemaphore(value: 0)
    }
    private let state = State()

    /// Starts the thread; `poll` is called repeatedly and should block for a short while at most.
    init(name: String, poll: @escaping @Sendable () -> Void) {
        let state = self.state
        let thread = Thread {
            while !state.stopping.load(ordering: .acquiring) { poll() }
            state.exited.signal()
        }
        thread.name = name
        thread.start()
    }

    /// Asks the loop to stop and waits until it has exited (at most one more poll).
    func stop() {
        if !state.stopping.exchange(true, ordering: .acquiringAndReleasing) { state.exited.wait() }
    }
}
