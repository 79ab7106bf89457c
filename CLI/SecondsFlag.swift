import ArgumentParser
import TwinlogRuntime

/// Seconds given on the command line (`--timeout 30`, `--time-limit 2.5`), checked before they
/// become a `Duration`: a finite number within the flag's range. `inf`, `nan` or `1e300` is then a
/// usage error naming the flag instead of a trap in the integer conversion.
enum SecondsFlag {
    /// A transform for `@Option(transform:)` that accepts seconds in `range`.
    static func within(_ range: ClosedRange<Double>, allowZero: Bool = false) -> @Sendable (String) throws -> Duration {
        { text in
            guard let value = Double(text), value.isFinite, range.contains(value), allowZero || value > 0 else {
                let lower = allowZero ? "\(range.lowerBound)" : "more than \(range.lowerBound)"
                throw ValidationError("\"\(text)\" is not a number of seconds from \(lower) to \(range.upperBound)")
            }
            return .nanoseconds(Int64((value * 1e9).rounded()))
        }
    }
}
