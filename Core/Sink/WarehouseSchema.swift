import TwinlogPostgres
import TwinlogSchemas

/// The warehouse's schema: the migrations under `Schemas/warehouse/`, applied in order.
public enum WarehouseSchema {
    /// A migrator over every warehouse migration.
    public static func migrator() throws -> Migrator {
        try Migrator(migrations: SchemaFiles.warehouseMigrations().map {
            Migrator.Migration(version: $0.version, name: $0.name, sql: $0.sql)
        })
    }

    /// Creates `schema` if needed and applies pending migrations inside it; returns what it applied.
    @discardableResult
    public static func prepare(_ db: PostgresConnection, schema: String?) async throws -> [Int] {
        if let schema { try await db.execute("CREATE SCHEMA IF NOT EXISTS \(identifier: schema)") }
        return try await migrator().migrate(db)
    }

    /// Connects with `options` and prepares the schema in its search path; the connection is
    /// closed again when the schema cannot be prepared.
    public static func connect(_ options: PostgresConnection.Options) async throws -> PostgresConnection {
        let db = try await PostgresConnection.connect(options)
        do {
            try await prepare(db, schema: options.searchPath)
            return db
        } catch {
            await db.close()
            throw error
        }
    }
}
