import CDCConsumer

extension ConsumerComponent {
    /// The warehouse's logical replication stream → `twin.warehouse.changes`.
    public static let cdc = ConsumerComponent(name: "cdc", summary: "relay the warehouse's changes to twin.warehouse.changes") { settings in
        var configuration = CDCRelay.Configuration(kafka: settings.kafka, database: settings.database, topics: settings.topics)
        configuration.slot = settings.replicationSlot
        configuration.publication = settings.publication
        return StartedComponent(services: [CDCRelayService(try CDCRelay(configuration))])
    }
}
