import ArgumentParser
import Foundation
import Logging
import TwinlogConfig
import TwinlogEvents
import TwinlogKafka
import TwinlogPostgres

/// Connection flags shared by every command of `twinlog` and `twinlog-bench`; they override
/// environment variables and the config file.
public struct GlobalOptions: ParsableArguments, Sendable {
    @Option(name: .customLong("config"), help: "A JSON config file (see `twinlog config keys`).")
    public var configFile: String?
    @Option(help: "Kafka bootstrap brokers, host:port[,host:port…].")
    public var brokers: String?
    @Option(name: .customLong("database-url"), help: "PostgreSQL URL of the warehouse.")
    public var databaseURL: String?
    @Option(name: .customLong("database-schema"), help: "Schema holding the warehouse tables.")
    public var databaseSchema: String?
    @Option(name: .customLong("topic-prefix"), help: "Prefix of every topic name.")
    public var topicPrefix: String?
    @Option(name: .customLong("request-timeout"), help: "Seconds an unreachable broker or database may take.")
    public var requestTimeout: String?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    public var logLevel: String?

    public init() {}

    /// The configuration keys that have a command-line flag here.
    public static let flagKeys: Set<String> = ["brokers", "databaseUrl", "databaseSchema", "topicPrefix", "requestTimeout", "logLevel"]

    /// The effective configuration: flags over environment over file over defaults.
    /// `commandFlags` holds the settings a command's own flags give (key → value).
    public func load(commandFlags: [String: String] = [:]) throws -> TwinlogConfiguration {
        var flags = commandFlags
        flags["brokers"] = brokers
        flags["databaseUrl"] = databaseURL
        flags["databaseSchema"] = databaseSchema
        flags["topicPrefix"] = topicPrefix
        flags["requestTimeout"] = requestTimeout
        flags["logLevel"] = logLevel
        let environment = ProcessInfo.processInfo.environment
        let file = configFile ?? environment["TWINLOG_CONFIG"]
        let config = try TwinlogConfiguration.load(flags: flags, environment: environment, file: file)
        LoggingSystem.bootstrapOnce(level: Logger.Level(rawValue: config.logLevel) ?? .info)
        return config
    }
}

extension LoggingSystem {
    private static let bootstrapped = BootstrapFlag()

    /// Logs go to stderr at `level`; stdout stays for command output.
    public static func bootstrapOnce(level: Logger.Level) {
        guard bootstrapped.claim() else { return }
        bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

/// A one-shot flag.
final class BootstrapFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var claimed = false
    func claim() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if claimed { return false }
        claimed = true
        return true
    }
}
