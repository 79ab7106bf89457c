import Foundation
import TwinlogKafka
import TwinlogPostgres
import TwinlogRuntime

/// A configuration value that is missing its expected form; names the key, where it came from
/// and what was expected.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// Twinlog's settings, built once from (highest precedence first) command-line flags, environment
/// variables and a JSON config file, then passed down. `TwinlogConfiguration.keys` documents every
/// key with its environment variable, default and expected form; README.md shows the same table.
public struct TwinlogConfiguration: Sendable, Equatable {
    public var brokers = "127.0.0.1:19092"
    public var databaseURL = "postgresql://twinlog@127.0.0.1:55432/twinlog"
    /// The PostgreSQL schema the warehouse lives in (nil: the server's default search_path).
    public var databaseSchema: String?
    /// Prefix of every topic name (namespaces one deployment on a shared cluster).
    public var topicPrefix = ""
    public var clientId = "twinlog"
    public var securityProtocol: String?
    public var saslMechanism: String?
    public var saslUsername: String?
    public var saslPassword: String?
    public var sslCALocation: String?
    /// Seconds an unreachable broker or database may take before a call fails.
    public var requestTimeout: Double = 10
    /// Seconds a consumer may go silent before the group gives its partitions to another member.
    public var sessionTimeout: Double = 10
    public var logLevel = "info"
    /// The inference consumer replies only to topics whose name starts with this (nil:
    /// `topicPrefix` + `twin.replies`, the topic `twinlog ask` and the gateway answer on).
    public var replyTopicPrefix: String?
    /// The bearer token `twinlog gateway` requires (nil: no authentication).
    public var gatewayToken: String?
    /// The GGUF file the inference consumer answers with (nil: the voice model, SmolLM2, with the
    /// champion adapter). Any supported GGUF: a larger model answers better; adapters trained for
    /// the voice model do not apply to it.
    public var answerModel: String?

    public init() {}

    /// One documented setting.
    public struct Key: Sendable {
        public let name: String
        public let environment: String
        public let form: String
        public let summary: String
        let apply: @Sendable (inout TwinlogConfiguration, String) -> Bool
    }

    /// Every key, in the order the documentation lists them.
    public static let keys: [Key] = [
        Key(name: "brokers", environment: "TWINLOG_BROKERS", form: "host:port[,host:port…]",
            summary: "Kafka bootstrap brokers") { config, value in
            let parts = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard !parts.isEmpty, parts.allSatisfy({ part in
                guard let colon = part.lastIndex(of: ":"), let port = Int(part[part.index(after: colon)...]) else { return false }
                return colon != part.startIndex && (1...65535).contains(port)
            }) else { return false }
            config.brokers = parts.joined(separator: ",")
            return true
        },
        Key(name: "databaseUrl", environment: "TWINLOG_DATABASE_URL", form: "postgresql://user[:password]@host:port/database[?sslmode=…]",
            summary: "PostgreSQL warehouse") { config, value in
            guard value.hasPrefix("postgresql://") || value.hasPrefix("postgres://") else { return false }
            config.databaseURL = value
            return true
        },
        Key(name: "databaseSchema", environment: "TWINLOG_DATABASE_SCHEMA", form: "an SQL identifier (letters, digits, _)",
            summary: "schema holding the warehouse tables") { config, value in
            guard value.range(of: "^[A-Za-z_][A-Za-z0-9_]{0,62}$", options: .regularExpression) != nil else { return false }
            config.databaseSchema = value
            return true
        },
        Key(name: "topicPrefix", environment: "TWINLOG_TOPIC_PREFIX", form: "letters, digits, . _ - (may be empty)",
            summary: "prefix of every topic name") { config, value in
            guard value.range(of: "^[A-Za-z0-9._-]*$", options: .regularExpression) != nil else { return false }
            config.topicPrefix = value
            return true
        },
        Key(name: "clientId", environment: "TWINLOG_CLIENT_ID", form: "non-empty text", summary: "Kafka client id") { config, value in
            guard !value.isEmpty else { return false }
            config.clientId = value
            return true
        },
        Key(name: "securityProtocol", environment: "TWINLOG_KAFKA_SECURITY_PROTOCOL", form: "plaintext | ssl | sasl_plaintext | sasl_ssl",
            summary: "Kafka security.protocol") { config, value in
            guard ["plaintext", "ssl", "sasl_plaintext", "sasl_ssl"].contains(value.lowercased()) else { return false }
            config.securityProtocol = value.lowercased()
            return true
        },
        Key(name: "saslMechanism", environment: "TWINLOG_KAFKA_SASL_MECHANISM", form: "PLAIN | SCRAM-SHA-256 | SCRAM-SHA-512 | OAUTHBEARER",
            summary: "Kafka SASL mechanism") { config, value in
            guard ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"].contains(value.uppercased()) else { return false }
            config.saslMechanism = value.uppercased()
            return true
        },
        Key(name: "saslUsername", environment: "TWINLOG_KAFKA_SASL_USERNAME", form: "text", summary: "Kafka SASL user") { config, value in
            config.saslUsername = value
            return true
        },
        Key(name: "saslPassword", environment: "TWINLOG_KAFKA_SASL_PASSWORD", form: "text", summary: "Kafka SASL password") { config, value in
            config.saslPassword = value
            return true
        },
        Key(name: "sslCaLocation", environment: "TWINLOG_KAFKA_SSL_CA", form: "path to a PEM file",
            summary: "CA certificate for the brokers") { config, value in
            guard !value.isEmpty else { return false }
            config.sslCALocation = value
            return true
        },
        Key(name: "requestTimeout", environment: "TWINLOG_REQUEST_TIMEOUT", form: "seconds, a number between 0.1 and 600",
            summary: "bound on calls to an unreachable broker or database") { config, value in
            guard let seconds = Double(value), (0.1...600).contains(seconds) else { return false }
            config.requestTimeout = seconds
            return true
        },
        Key(name: "sessionTimeout", environment: "TWINLOG_SESSION_TIMEOUT", form: "seconds, a number between 1 and 300",
            summary: "consumer group session timeout (how fast a dead member's partitions move)") { config, value in
            guard let seconds = Double(value), (1...300).contains(seconds) else { return false }
            config.sessionTimeout = seconds
            return true
        },
        Key(name: "logLevel", environment: "TWINLOG_LOG_LEVEL", form: "trace | debug | info | notice | warning | error | critical",
            summary: "log verbosity") { config, value in
            guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(value.lowercased()) else { return false }
            config.logLevel = value.lowercased()
            return true
        },
        Key(name: "replyTopicPrefix", environment: "TWINLOG_REPLY_TOPIC_PREFIX", form: "a non-empty topic name prefix (letters, digits, . _ -)",
            summary: "topics the inference consumer may reply to start with this (default: <topic prefix>twin.replies)") { config, value in
            guard value.range(of: "^[A-Za-z0-9._-]{1,249}$", options: .regularExpression) != nil else { return false }
            config.replyTopicPrefix = value
            return true
        },
        Key(name: "answerModel", environment: "TWINLOG_ANSWER_MODEL", form: "the path of an existing GGUF file",
            summary: "the model the inference consumer answers with (default: the voice model)") { config, value in
            guard !value.isEmpty, FileManager.default.fileExists(atPath: value) else { return false }
            config.answerModel = value
            return true
        },
        Key(name: "gatewayToken", environment: "TWINLOG_GATEWAY_TOKEN", form: "16 to 4096 visible ASCII characters, no spaces",
            summary: "bearer token the HTTP gateway requires (unset: none)") { config, value in
            guard (16...4096).contains(value.utf8.count), value.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else { return false }
            config.gatewayToken = value
            return true
        },
    ]

    /// Builds the configuration: defaults, then the file (JSON object of key → string or number),
    /// then the environment, then flags (key → value). Unknown file keys and malformed values are
    /// errors naming the key, its source and the expected form.
    public static func load(flags: [String: String] = [:], environment: [String: String] = ProcessInfo.processInfo.environment,
                            file: String? = nil) throws(ConfigurationError) -> TwinlogConfiguration {
        var config = TwinlogConfiguration()
        let byName = Dictionary(uniqueKeysWithValues: keys.map { ($0.name, $0) })
        if let file {
            for (name, value) in try readFile(file) {
                guard let key = byName[name] else {
                    throw ConfigurationError(description: "\(file): unknown key \(name) (known keys: \(keys.map(\.name).joined(separator: ", ")))")
                }
                try set(key, value, source: "\(file): key \(name)", in: &config)
            }
        }
        for key in keys {
            if let value = environment[key.environment] { try set(key, value, source: "environment variable \(key.environment)", in: &config) }
        }
        for (name, value) in flags.sorted(by: { $0.key < $1.key }) {
            guard let key = byName[name] else { throw ConfigurationError(description: "unknown setting \(name)") }
            try set(key, value, source: "flag --\(flagName(name))", in: &config)
        }
        return config
    }

    /// The command-line flag spelling of a key (`databaseUrl` → `database-url`).
    public static func flagName(_ key: String) -> String {
        key.reduce(into: "") { out, c in
            if c.isUppercase { out += "-" + c.lowercased() } else { out.append(c) }
        }
    }

    /// Applies one value; a rejected value is named by key, source and expected form, and echoed
    /// only when its key is not secret-looking (`SecretNames`) and with any credentials it carries
    /// masked (a database URL's password).
    private static func set(_ key: Key, _ value: String, source: String, in config: inout TwinlogConfiguration) throws(ConfigurationError) {
        guard key.apply(&config, value) else {
            let shown = SecretNames.isSecret(key.name) ? "a value that is not shown"
                : PostgresConnection.redacted(value).debugDescription
            throw ConfigurationError(description: "\(source): expected \(key.form), got \(shown)")
        }
    }

    /// A config file value: a string or a number; anything else is an error naming the key.
    private enum FileValue: Decodable {
        case text(String)
        case other(String)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) { self = .text(text) }
            else if (try? container.decode(Bool.self)) != nil { self = .other("a boolean") }
            else if let number = try? container.decode(Double.self) {
                self = .text(number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number))
            } else { self = .other("an array, object or null") }
        }
    }

    private static func readFile(_ path: String) throws(ConfigurationError) -> [(String, String)] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(description: "config file \(path) cannot be read")
        }
        let members: [String: FileValue]
        do { members = try JSONDecoder().decode([String: FileValue].self, from: data) } catch {
            throw ConfigurationError(description: "config file \(path): expected a JSON object of settings (\(error))")
        }
        return try members.sorted { $0.key < $1.key }.map { (name, value) throws(ConfigurationError) in
            switch value {
            case .text(let text): return (name, text)
            case .other(let what): throw ConfigurationError(description: "\(path): key \(name) must be a string or a number, got \(what)")
            }
        }
    }

    /// The Kafka client configuration these settings describe.
    public var kafka: KafkaConfiguration {
        KafkaConfiguration(brokers: brokers, clientId: clientId, securityProtocol: securityProtocol, saslMechanism: saslMechanism,
                           saslUsername: saslUsername, saslPassword: saslPassword, sslCALocation: sslCALocation,
                           requestTimeout: .milliseconds(Int(requestTimeout * 1000)))
    }
}
