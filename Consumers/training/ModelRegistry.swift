import Foundation
import TwinlogEvents
import TwinlogKafka
import TwinlogKafkaEvents
import TwinlogPostgres
import TwinlogSink

/// The model registry: the `models` table (every trained adapter with its lineage, metrics and
/// status) and the one way a champion changes. Promotion and rollback commit the new statuses
/// and a ModelPublished in the outbox in one transaction, then publish it; inference consumers
/// hot-swap on it. At most one champion exists (a unique index enforces it).
public struct ModelRegistry: Sendable {
    /// One registered model.
    public struct Entry: Sendable, Equatable {
        public var version: String
        public var baseModelSha256: String
        public var adapterPath: String?
        public var adapterSha256: String?
        public var datasetVersion: String?
        public var hyperparameters: [String: String]
        public var metrics: [String: Double]
        public var status: String
        public var createdAt: Date
        public var promotedAt: Date?

        public init(version: String, baseModelSha256: String, adapterPath: String?, adapterSha256: String?, datasetVersion: String?,
                    hyperparameters: [String: String], metrics: [String: Double], status: String = "candidate",
                    createdAt: Date = Date(), promotedAt: Date? = nil) {
            self.version = version
            self.baseModelSha256 = baseModelSha256
            self.adapterPath = adapterPath
            self.adapterSha256 = adapterSha256
            self.datasetVersion = datasetVersion
            self.hyperparameters = hyperparameters
            self.metrics = metrics
            self.status = status
            self.createdAt = createdAt
            self.promotedAt = promotedAt
        }
    }

    /// Why a registry change was refused.
    public struct RegistryError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public let topics: TopicCatalogue
    private let outbox = PostgresOutbox()
    public static let eventSource = "twinlog/registry"

    public init(topics: TopicCatalogue) {
        self.topics = topics
    }

    /// Every model, newest first.
    public func list(_ db: PostgresConnection) async throws -> [Entry] {
        try await db.query("""
            SELECT model_version, base_model_sha256, adapter_path, adapter_sha256, dataset_version, hyperparameters::text AS hp,
                   metrics::text AS metrics, status, created_at, promoted_at
            FROM models ORDER BY created_at DESC, model_version
            """).map(Self.entry)
    }

    /// The current champion, if any.
    public func champion(_ db: PostgresConnection) async throws -> Entry? {
        try await db.query("""
            SELECT model_version, base_model_sha256, adapter_path, adapter_sha256, dataset_version, hyperparameters::text AS hp,
                   metrics::text AS metrics, status, created_at, promoted_at
            FROM models WHERE status = 'champion'
            """).first.map(Self.entry)
    }

    /// Records a trained model as a candidate (idempotent: the version is content-addressed).
    public func register(_ entry: Entry, in db: PostgresConnection) async throws {
        try await db.execute("""
            INSERT INTO models (model_version, base_model_sha256, adapter_path, adapter_sha256, dataset_version,
                                hyperparameters, metrics, status)
            VALUES (\(entry.version), \(entry.baseModelSha256), \(entry.adapterPath), \(entry.adapterSha256), \(entry.datasetVersion),
                    \(Self.json(entry.hyperparameters))::jsonb, \(Self.json(entry.metrics))::jsonb, 'candidate')
            ON CONFLICT (model_version) DO UPDATE SET metrics = EXCLUDED.metrics
            """)
    }

    /// Makes `version` the champion inside the caller's transaction: the old champion is archived
    /// and a ModelPublished waits in the outbox (call `publish` after the commit).
    public func promote(_ version: String, in db: PostgresConnection, at time: Date = Date()) async throws {
        let rows = try await db.query("""
            SELECT model_version, base_model_sha256, adapter_path, adapter_sha256, dataset_version, hyperparameters::text AS hp,
                   metrics::text AS metrics, status, created_at, promoted_at
            FROM models WHERE model_version = \(version) FOR UPDATE
            """)
        guard let entry = try rows.first.map(Self.entry) else { throw RegistryError(description: "no model \(version) in the registry") }
        if entry.status == "champion" { return }
        try await db.execute("UPDATE models SET status = 'archived' WHERE status = 'champion'")
        try await db.execute("UPDATE models SET status = 'champion', promoted_at = \(time) WHERE model_version = \(version)")
        let event = ModelPublished(modelVersion: entry.version, baseModelSha256: entry.baseModelSha256, adapterPath: entry.adapterPath,
                                   adapterSha256: entry.adapterSha256, datasetVersion: entry.datasetVersion, metrics: entry.metrics,
                                   publishedAt: time)
        let id = "model:\(entry.version):\(Int64(time.timeIntervalSince1970 * 1000))"
        try await outbox.enqueue(try EventCodec.record(event, topic: topics.models, source: Self.eventSource, id: id, time: time), in: db)
    }

    /// Retires the champion and makes the one before it champion again (the base model when there
    /// was none) inside the caller's transaction; returns the version now serving.
    public func rollback(in db: PostgresConnection, at time: Date = Date()) async throws -> String {
        guard let current = try await champion(db) else { throw RegistryError(description: "there is no champion to roll back") }
        let previous = try await db.query("""
            SELECT model_version FROM models
            WHERE status = 'archived' AND promoted_at IS NOT NULL AND promoted_at < \(current.promotedAt ?? time)
            ORDER BY promoted_at DESC LIMIT 1
            """)
        try await db.execute("UPDATE models SET status = 'retired' WHERE model_version = \(current.version)")
        if let version = try previous.first?.decode(String.self, "model_version") {
            try await promote(version, in: db, at: time)
            return version
        }
        let event = ModelPublished(modelVersion: "base", baseModelSha256: current.baseModelSha256, adapterPath: nil, adapterSha256: nil,
                                   datasetVersion: nil, metrics: [:], publishedAt: time)
        let id = "model:base:\(Int64(time.timeIntervalSince1970 * 1000))"
        try await outbox.enqueue(try EventCodec.record(event, topic: topics.models, source: Self.eventSource, id: id, time: time), in: db)
        return "base"
    }

    /// Publishes what promotions and rollbacks left in the outbox.
    public func publish(_ db: PostgresConnection, producer: KafkaProducer) async throws {
        try await outbox.flush(db, producer: producer)
    }

    static func entry(_ row: PostgresRow) throws -> Entry {
        Entry(version: try row.decode(String.self, "model_version"), baseModelSha256: try row.decode(String.self, "base_model_sha256"),
              adapterPath: try row.decodeIfPresent(String.self, "adapter_path"),
              adapterSha256: try row.decodeIfPresent(String.self, "adapter_sha256"),
              datasetVersion: try row.decodeIfPresent(String.self, "dataset_version"),
              hyperparameters: try JSONDecoder().decode([String: String].self, from: Data(try row.decode(String.self, "hp").utf8)),
              metrics: try JSONDecoder().decode([String: Double].self, from: Data(try row.decode(String.self, "metrics").utf8)),
              status: try row.decode(String.self, "status"), createdAt: try row.decode(Date.self, "created_at"),
              promotedAt: try row.decodeIfPresent(Date.self, "promoted_at"))
    }

    static func json<Value: Encodable>(_ value: Value) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(value)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
