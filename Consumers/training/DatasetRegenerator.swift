import Foundation
import TwinlogDataset
import TwinlogEvents
import TwinlogKafkaEvents
import TwinlogPostgres
import TwinlogRuntime
import TwinlogSink
import TwinlogText

/// Builds a training dataset from one consistent snapshot of the warehouse, writes its
/// content-addressed artifact and records it in `datasets`, with a DatasetPublished in the outbox.
///
/// The documents are read in one REPEATABLE READ transaction together with the WAL position it
/// sees, so the dataset is exactly the warehouse at that position: an erased author's documents
/// are gone from it, and nothing written during the read leaks in half-way.
public struct DatasetRegenerator: Sendable {
    /// The dataset that was built, where it is, and its event.
    public struct Output: Sendable {
        public let artifact: DatasetArtifact
        public let path: String
        public let warehousePosition: String
        public let event: DatasetPublished
    }

    public let chunker: Chunker
    public let builder: DatasetBuilder
    public let artifactsDirectory: String
    public let topics: TopicCatalogue
    private let outbox = PostgresOutbox()
    public static let eventSource = "twinlog/training"

    public init(chunker: Chunker, builder: DatasetBuilder, artifactsDirectory: String, topics: TopicCatalogue) {
        self.chunker = chunker
        self.builder = builder
        self.artifactsDirectory = artifactsDirectory
        self.topics = topics
    }

    /// Reads the documents of `scope` (an author id, or `all`) at one position of the warehouse.
    public func snapshot(_ db: PostgresConnection, scope: String) async throws -> (documents: [SourceDocument], position: String) {
        try await db.transaction { db in
            try await db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            let position = try await db.query("SELECT pg_current_wal_lsn()::text AS lsn")[0].decode(String.self, "lsn")
            let rows = try await db.query("""
                SELECT document_id, author_id, platform, kind, title, content FROM documents
                WHERE \(scope) = 'all' OR author_id = \(scope)
                ORDER BY document_id
                """)
            let documents = try rows.map { row in
                let id = try row.decode(String.self, "document_id"), kind = try row.decode(String.self, "kind")
                let content = try row.decode(String.self, "content")
                let chunkKind = DocumentKind(rawValue: kind) ?? .article
                return SourceDocument(documentId: id, authorId: try row.decode(String.self, "author_id"),
                                      platform: try row.decode(String.self, "platform"), kind: kind,
                                      title: try row.decode(String.self, "title"),
                                      passages: chunker.chunks(of: content, documentId: id, kind: chunkKind).map(\.text))
            }
            return (documents, position)
        }
    }

    /// Snapshot → dataset → artifact → `datasets` row and outboxed DatasetPublished (call
    /// `PostgresOutbox.flush` afterwards). `answer` gives the base model's answer for preference
    /// pairs (nil: none). Building the same content twice gives the same version and one row.
    public func regenerate(_ db: PostgresConnection, scope: String, triggerId: String,
                           answer: (@Sendable (String) throws -> String)? = nil) async throws -> Output {
        let (documents, position) = try await snapshot(db, scope: scope)
        // Preference pairs run the base model: build off the cooperative pool.
        let builder = self.builder
        let dataset = try await BlockingExecutor(label: "twinlog.training.dataset").run { try builder.build(documents, answer: answer) }
        guard !dataset.train.isEmpty else { throw DatasetError.empty("no training sample survived the filters (\(dataset.statistics))") }
        guard !dataset.eval.isEmpty else { throw DatasetError.empty("no evaluation sample: \(documents.count) document(s) for \(scope)") }
        let artifact = DatasetArtifact(dataset)
        let path = try artifact.write(into: artifactsDirectory + "/datasets")
        let event = DatasetPublished(datasetVersion: artifact.version, artifactPath: path, artifactSha256: artifact.sha256,
                                     trainSamples: dataset.train.count, evalSamples: dataset.eval.count,
                                     preferencePairs: dataset.preferences.count, warehousePosition: position, createdAt: Date())
        let statistics = ModelRegistry.json(dataset.statistics)
        try await db.transaction { db in
            let inserted = try await db.execute("""
                INSERT INTO datasets (dataset_version, scope, artifact_path, artifact_sha256, warehouse_position, documents,
                                      train_samples, eval_samples, preference_pairs, filter_statistics, trigger_id)
                VALUES (\(artifact.version), \(scope), \(path), \(artifact.sha256), \(position), \(documents.count),
                        \(dataset.train.count), \(dataset.eval.count), \(dataset.preferences.count), \(statistics)::jsonb, \(triggerId))
                ON CONFLICT (dataset_version) DO NOTHING
                """)
            if inserted > 0 {
                try await outbox.enqueue(try EventCodec.record(event, topic: topics.datasets, source: Self.eventSource,
                                                               id: "dataset:\(artifact.version)"), in: db)
            }
        }
        return Output(artifact: artifact, path: path, warehousePosition: position, event: event)
    }
}
