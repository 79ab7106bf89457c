import Foundation

/// New content drifted away from the champion's training data (or a person asked for training).
/// Published to `twin.drift`, keyed by author id (or `all`); the trainer regenerates the dataset.
public struct DriftDetected: TwinlogEvent {
    public static let eventType = "twin.drift.detected"
    public static let schemaName = "DriftDetected"
    public static let schemaVersion = 1
    public var eventKey: String { scope }

    /// `drift` when the monitor fired, `manual` for `twinlog train`.
    public enum Trigger: String, Codable, Sendable { case drift, manual }

    public var scope: String
    public var trigger: Trigger
    public var statistic: Double
    public var pValue: Double
    public var threshold: Double
    public var windowSize: Int
    public var newDocuments: Int
    public var referenceDatasetVersion: String?
    public var detectedAt: Date

    public init(scope: String, trigger: Trigger, statistic: Double, pValue: Double, threshold: Double, windowSize: Int,
                newDocuments: Int, referenceDatasetVersion: String?, detectedAt: Date) {
        self.scope = scope
        self.trigger = trigger
        self.statistic = statistic
        self.pValue = pValue
        self.threshold = threshold
        self.windowSize = windowSize
        self.newDocuments = newDocuments
        self.referenceDatasetVersion = referenceDatasetVersion
        self.detectedAt = detectedAt
    }

    /// A request for training by hand (`twinlog train`, the demo): no statistic, nothing drifted.
    public static func manual(scope: String, newDocuments: Int = 0, at time: Date = Date()) -> DriftDetected {
        DriftDetected(scope: scope, trigger: .manual, statistic: 0, pValue: 1, threshold: 0, windowSize: 0, newDocuments: newDocuments,
                      referenceDatasetVersion: nil, detectedAt: time)
    }
}

/// A training dataset was written (content-addressed, zstd JSONL). Published to `twin.datasets`.
public struct DatasetPublished: TwinlogEvent {
    public static let eventType = "twin.dataset.published"
    public static let schemaName = "DatasetPublished"
    public static let schemaVersion = 1
    public var eventKey: String { datasetVersion }

    public var datasetVersion: String
    public var artifactPath: String
    public var artifactSha256: String
    public var trainSamples: Int
    public var evalSamples: Int
    public var preferencePairs: Int
    /// The warehouse position the dataset reflects (a PostgreSQL LSN as text).
    public var warehousePosition: String
    public var createdAt: Date

    public init(datasetVersion: String, artifactPath: String, artifactSha256: String, trainSamples: Int, evalSamples: Int,
                preferencePairs: Int, warehousePosition: String, createdAt: Date) {
        self.datasetVersion = datasetVersion
        self.artifactPath = artifactPath
        self.artifactSha256 = artifactSha256
        self.trainSamples = trainSamples
        self.evalSamples = evalSamples
        self.preferencePairs = preferencePairs
        self.warehousePosition = warehousePosition
        self.createdAt = createdAt
    }
}

/// A model version became champion (or was rolled back to). Published to `twin.models`; inference
/// consumers hot-swap to it.
public struct ModelPublished: TwinlogEvent {
    public static let eventType = "twin.model.published"
    public static let schemaName = "ModelPublished"
    public static let schemaVersion = 1
    public var eventKey: String { "champion" }

    public var modelVersion: String
    public var baseModelSha256: String
    /// The LoRA adapter artifact; nil means the base model without an adapter.
    public var adapterPath: String?
    public var adapterSha256: String?
    public var datasetVersion: String?
    public var metrics: [String: Double]
    public var publishedAt: Date

    public init(modelVersion: String, baseModelSha256: String, adapterPath: String?, adapterSha256: String?,
                datasetVersion: String?, metrics: [String: Double], publishedAt: Date) {
        self.modelVersion = modelVersion
        self.baseModelSha256 = baseModelSha256
        self.adapterPath = adapterPath
        self.adapterSha256 = adapterSha256
        self.datasetVersion = datasetVersion
        self.metrics = metrics
        self.publishedAt = publishedAt
    }
}
