import TwinlogSink
import WarehouseConsumer

extension ConsumerComponent {
    /// `twin.documents` → the PostgreSQL warehouse (offsets stored with the rows).
    public static let warehouse = ConsumerComponent(name: "warehouse", summary: "materialize twin.documents into the PostgreSQL warehouse") { settings in
        var configuration = WarehouseMaterializer.Configuration(kafka: settings.kafka, database: settings.database, topics: settings.topics)
        configuration.consumer = settings.consumerOptions(WarehouseMaterializer.consumerName)
        return StartedComponent(services: [try await WarehouseMaterializer(configuration)])
    }
}
