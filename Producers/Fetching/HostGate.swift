/// Per-host politeness: at most `limit` requests in flight to one host, and successive request
/// starts to one host at least `delay` apart (the larger of ours and the site's Crawl-delay).
actor HostGate {
    private struct HostState {
        var inFlight = 0
        var nextStart = ContinuousClock.now
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let limit: Int
    private var hosts: [String: HostState] = [:]

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Waits for a slot on `host` and for the politeness delay since the previous start.
    func acquire(_ host: String, delay: Duration) async throws {
        while hosts[host, default: HostState()].inFlight >= limit {
            await withCheckedContinuation { hosts[host, default: HostState()].waiters.append($0) }
        }
        hosts[host, default: HostState()].inFlight += 1
        let start = max(ContinuousClock.now, hosts[host]!.nextStart)
        hosts[host]!.nextStart = start + delay
        do {
            try await Task.sleep(until: start, clock: .continuous)
        } catch {
            release(host)
            throw error
        }
    }

    /// Gives the slot back and wakes one waiter.
    func release(_ host: String) {
        guard var state = hosts[host] else { return }
        state.inFlight -= 1
        if !state.waiters.isEmpty { state.waiters.removeFirst().resume() }
        hosts[host] = state
    }
}
