import Foundation
import TwinlogRuntime

/// When the drift monitor fires: a decision over the test result, the amount of new content and
/// the time since the last event. Pure, so every rule has a unit test.
public struct DriftPolicy: Sendable, Equatable {
    /// Fire when the permutation p-value is at most this…
    public var significance: Double
    /// …and MMD² is at least this (an effect-size floor: with hundreds of vectors, even a change
    /// too small to matter is significant).
    public var minimumStatistic: Double
    /// New chunks needed before the distribution is tested at all.
    public var minimumWindow: Int
    /// New documents since the reference that fire on volume alone (also the only rule before a
    /// first model exists, when there is no reference to compare with).
    public var volumeThreshold: Int
    /// No second event within this long of the last, so one shift yields one event.
    public var coolDown: Duration

    public init(significance: Double = 0.01, minimumStatistic: Double = 0.02, minimumWindow: Int = 32,
                volumeThreshold: Int = 200, coolDown: Duration = .seconds(3600)) {
        self.significance = significance
        self.minimumStatistic = minimumStatistic
        self.minimumWindow = minimumWindow
        self.volumeThreshold = volumeThreshold
        self.coolDown = coolDown
    }

    /// What the monitor knows when it decides.
    public struct Observation: Sendable {
        public var test: MMDTest.Result?
        public var windowSize: Int
        public var newDocuments: Int
        public var lastFiredAt: Date?
        public var now: Date

        public init(test: MMDTest.Result?, windowSize: Int, newDocuments: Int, lastFiredAt: Date?, now: Date) {
            self.test = test
            self.windowSize = windowSize
            self.newDocuments = newDocuments
            self.lastFiredAt = lastFiredAt
            self.now = now
        }
    }

    /// Why the monitor fires, or nil when it stays quiet.
    public enum Reason: String, Sendable, Equatable {
        case distribution, volume
    }

    /// Whether the distribution should be tested: enough new chunks and not cooling down.
    public func shouldTest(windowSize: Int, lastFiredAt: Date?, now: Date) -> Bool {
        windowSize >= minimumWindow && !coolingDown(lastFiredAt: lastFiredAt, now: now)
    }

    public func decide(_ o: Observation) -> Reason? {
        if coolingDown(lastFiredAt: o.lastFiredAt, now: o.now) { return nil }
        if let test = o.test, o.windowSize >= minimumWindow, test.pValue <= significance, test.statistic >= minimumStatistic {
            return .distribution
        }
        if o.newDocuments >= volumeThreshold { return .volume }
        return nil
    }

    func coolingDown(lastFiredAt: Date?, now: Date) -> Bool {
        guard let lastFiredAt else { return false }
        return now.timeIntervalSince(lastFiredAt) < coolDown.inSeconds
    }
}
