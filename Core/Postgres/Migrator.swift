import Crypto
import Foundation
import TwinlogRuntime

/// Applies numbered SQL migrations once each, in order, recording them in `schema_migrations`
/// inside the connection's search_path. Each migration and its record commit together; an
/// advisory lock keeps concurrent runners from applying the same migration twice; an applied
/// migration whose text changed since is an error, not silently skipped.
public struct Migrator: Sendable {
    /// One numbered migration.
    public struct Migration: Sendable {
        public var version: Int
        public var name: String
        public var sql: String
        public init(version: Int, name: String, sql: String) {
            self.version = version
            self.name = name
            self.sql = sql
        }
        var checksum: String { SHA256.hash(data: Array(sql.utf8)).hexDigits }
    }

    public let migrations: [Migration]

    public init(migrations: [Migration]) throws {
        let versions = migrations.map(\.version)
        guard Set(versions).count == versions.count else {
            throw PostgresError(message: "two migrations share a version number: \(versions.sorted())")
        }
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// Applies the pending migrations; returns the versions applied now.
    @discardableResult
    public func migrate(_ db: PostgresConnection) async throws -> [Int] {
        try await db.transaction { db in
            // One runner at a time per schema: the lock is released at commit.
            try await db.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema()))")
            try await db.execute("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """)
            let rows = try await db.query("SELECT version, checksum FROM schema_migrations")
            var applied: [Int: String] = [:]
            for row in rows { applied[try row.decode(Int.self, "version")] = try row.decode(String.self, "checksum") }
            var newlyApplied: [Int] = []
            for migration in migrations {
                if let checksum = applied[migration.version] {
                    guard checksum == migration.checksum else {
                        throw PostgresError(message: "migration \(migration.name) was changed after it was applied")
                    }
                    continue
                }
                do { try await db.executeScript(migration.sql) } catch let error as PostgresError {
                    throw PostgresError(sqlState: error.sqlState, message: "migration \(migration.name) failed: \(error.message)",
                                        detail: error.detail)
                }
                try await db.execute("""
                    INSERT INTO schema_migrations (version, name, checksum)
                    VALUES (\(migration.version), \(migration.name), \(migration.checksum))
                    """)
                newlyApplied.append(migration.version)
            }
            return newlyApplied
        }
    }
}
