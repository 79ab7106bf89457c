import Foundation

/// The files under `Schemas/`, shipped as resources: the JSON Schema of every event
/// (`events/<Name>.v<N>.json`) and the numbered warehouse migrations (`warehouse/NNNN_name.sql`).
public enum SchemaFiles {
    /// A schema or migration that is missing or unreadable.
    public struct Missing: Error, CustomStringConvertible {
        public let description: String
    }

    /// The bytes of `events/<name>.v<version>.json`.
    public static func eventSchema(name: String, version: Int) throws -> [UInt8] {
        let file = "\(name).v\(version)"
        let url = folder("events").appendingPathComponent("\(file).json")
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw Missing(description: "no event schema Schemas/events/\(file).json (looked in \(url.path))")
        }
        return Array(data)
    }

    /// The names of every event schema file (`DocumentCaptured.v1`, …), sorted.
    public static func eventSchemaNames() -> [String] {
        files(in: "events", withExtension: "json").map { $0.deletingPathExtension().lastPathComponent }
    }

    /// The warehouse migrations in the order they apply: (version, name, SQL).
    public static func warehouseMigrations() throws -> [(version: Int, name: String, sql: String)] {
        try files(in: "warehouse", withExtension: "sql").map { url in
            let name = url.deletingPathExtension().lastPathComponent
            guard let version = Int(name.prefix { $0.isNumber }), name.first?.isNumber == true else {
                throw Missing(description: "migration \(url.lastPathComponent) does not start with its number")
            }
            return (version, name, try String(contentsOf: url, encoding: .utf8))
        }.sorted { $0.version < $1.version }
    }

    private static func folder(_ name: String) -> URL {
        Bundle.module.resourceURL!.appendingPathComponent(name)
    }

    /// The files of a resource folder with `pathExtension`, sorted by name.
    private static func files(in name: String, withExtension pathExtension: String) -> [URL] {
        let url = folder(name)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.filter { $0.hasSuffix("." + pathExtension) }.sorted().map { url.appendingPathComponent($0) }
    }
}
