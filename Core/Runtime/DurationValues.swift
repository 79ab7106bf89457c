/// Durations as plain numbers for timings, metrics, logs and C APIs; the one home for these
/// conversions.
extension Duration {
    /// Seconds, with the fraction.
    public var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }

    /// Milliseconds, with the fraction.
    public var inMilliseconds: Double { Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15 }

    /// Whole nanoseconds.
    public var inNanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }

    /// A number of seconds that came from outside (a header, robots.txt, a request body) as a
    /// duration clamped to `0...limit`; nil when it is not a finite number. The clamp comes before
    /// the conversion to integer nanoseconds, so no value (`inf`, `nan`, `1e300`) can trap.
    public static func seconds(clamping value: Double, to limit: Duration) -> Duration? {
        guard value.isFinite else { return nil }
        let ceiling = min(limit.inSeconds, 9e9)
        return .nanoseconds(Int64(min(max(value, 0), ceiling) * 1e9))
    }
}
