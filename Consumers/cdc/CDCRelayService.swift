import ServiceLifecycle

/// The CDC relay as a long-running service: streams, reconnects with backoff after a PostgreSQL
/// restart or a broker error (`CDCRelay.runForever`), and on cancellation or graceful shutdown
/// confirms what the broker acknowledged, closes its connections and flushes its producer.
public struct CDCRelayService: Service {
    public let relay: CDCRelay

    public init(_ relay: CDCRelay) {
        self.relay = relay
    }

    public func run() async throws {
        await relay.runForever()
        await relay.shutdown()
    }
}
