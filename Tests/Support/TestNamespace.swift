import TwinlogEvents
import TwinlogKafka
import TwinlogKafkaEvents
import TwinlogPostgres

/// One test's own corner of the shared services: every topic of the catalogue under a prefix of
/// its own and a PostgreSQL schema of the same name, so tests running in parallel never see each
/// other's records or rows.
public struct TestNamespace: Sendable {
    /// The unique name: the topic prefix without its dot, and the schema.
    public let name: String
    public let topics: TopicCatalogue
    /// Connection options whose search_path is the namespace's schema.
    public let database: PostgresConnection.Options

    /// Creates the catalogue's topics, with `partitions` each, and the schema.
    public static func create(_ label: String, partitions: Int32 = 2,
                              databaseURL: String = LocalServices.databaseURL) async throws -> TestNamespace {
        try LocalServices.requireKafka()
        let name = uniqueName(label)
        let topics = TopicCatalogue(prefix: name + ".", partitions: partitions)
        try await LocalServices.createTopics(topics.specs)
        let database = try await LocalServices.createSchema(name, url: databaseURL)
        return TestNamespace(name: name, topics: topics, database: database)
    }
}
