import TwinlogPostgres

/// A finished training attempt as `training_runs` records it; what `twinlog train --wait` and the
/// demo wait for.
public struct TrainingRun: Sendable, Equatable {
    public let succeeded: Bool
    public let error: String?
    public let modelVersion: String?
    public let datasetVersion: String?
    public let promoted: Bool

    /// The last finished attempt of `trigger`, or nil while none has finished.
    public static func finished(trigger: String, in db: PostgresConnection) async throws -> TrainingRun? {
        let rows = try await db.query("""
            SELECT status, error, model_version, dataset_version, promoted FROM training_runs
            WHERE trigger_id = \(trigger) AND status <> 'running' ORDER BY attempt DESC LIMIT 1
            """)
        return try rows.first.map { row in
            TrainingRun(succeeded: try row.decode(String.self, "status") == "succeeded", error: try row.decodeIfPresent(String.self, "error"),
                        modelVersion: try row.decodeIfPresent(String.self, "model_version"),
                        datasetVersion: try row.decodeIfPresent(String.self, "dataset_version"), promoted: try row.decode(Bool.self, "promoted"))
        }
    }
}
