import Foundation
import TwinlogKafka

/// The log position an index snapshot reflects: for each partition of the chunk topic, the offset
/// of the next record to apply. Stored as the snapshot's opaque log position (JSON), so a snapshot
/// and the offsets it reflects are written together, atomically.
public struct IndexLogPosition: Sendable, Equatable, Codable {
    public var topic: String
    /// Partition → next offset.
    public var offsets: [Int32: Int64]

    public init(topic: String, offsets: [Int32: Int64] = [:]) {
        self.topic = topic
        self.offsets = offsets
    }

    /// The position decoded from a snapshot's bytes; nil for an empty position (a new index).
    public init?(bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return nil }
        self = try JSONDecoder().decode(IndexLogPosition.self, from: Data(bytes))
    }

    public var bytes: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        // Encoding a struct of a string and integers cannot fail.
        return Array(try! encoder.encode(self))
    }

    /// Records having applied every record before `next` (topic partition → next offset); a
    /// position never moves backwards.
    public mutating func advance(to next: [TopicPartition: Int64]) {
        for (tp, offset) in next { offsets[tp.partition] = max(offsets[tp.partition] ?? 0, offset) }
    }

    /// Whether every partition reached `ends` (partition → end offset).
    public func reached(_ ends: [TopicPartition: Int64]) -> Bool {
        ends.allSatisfy { $0.value <= (offsets[$0.key.partition] ?? 0) }
    }
}
