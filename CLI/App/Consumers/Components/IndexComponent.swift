import IndexConsumer

extension ConsumerComponent {
    /// `twin.chunks` → the HNSW index with its snapshot file.
    public static let index = ConsumerComponent(name: "index", summary: "keep the HNSW index and its snapshot equal to twin.chunks") { settings in
        var configuration = IndexMaterializer.Configuration(kafka: settings.kafka, topics: settings.topics, snapshotPath: settings.indexSnapshot)
        configuration.snapshotInterval = settings.snapshotInterval
        let materializer = try await IndexMaterializer(configuration)
        return StartedComponent(services: [materializer], index: materializer.index)
    }
}
