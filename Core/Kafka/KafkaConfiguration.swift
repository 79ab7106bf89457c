import CRdKafka
import Foundation
import Logging
import TwinlogRuntime

/// How to reach a Kafka-protocol cluster: bootstrap brokers, identity, security and any
/// librdkafka property (CONFIGURATION.md) passed through unchanged.
public struct KafkaConfiguration: Sendable, Equatable {
    /// Comma-separated `host:port` bootstrap list.
    public var brokers: String
    /// The client id brokers see in their logs and quotas.
    public var clientId: String
    /// `security.protocol`: plaintext, ssl, sasl_plaintext or sasl_ssl.
    public var securityProtocol: String?
    /// `sasl.mechanisms`: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, …
    public var saslMechanism: String?
    public var saslUsername: String?
    public var saslPassword: String?
    /// `ssl.ca.location`: a PEM file with the CA that signed the brokers' certificates.
    public var sslCALocation: String?
    /// How long an unreachable cluster may take before calls that need it fail.
    public var requestTimeout: Duration
    /// Raw librdkafka properties, applied last (they win over the typed fields).
    public var properties: [String: String]

    public init(brokers: String, clientId: String = "twinlog", securityProtocol: String? = nil,
                saslMechanism: String? = nil, saslUsername: String? = nil, saslPassword: String? = nil,
                sslCALocation: String? = nil, requestTimeout: Duration = .seconds(10),
                properties: [String: String] = [:]) {
        self.brokers = brokers
        self.clientId = clientId
        self.securityProtocol = securityProtocol
        self.saslMechanism = saslMechanism
        self.saslUsername = saslUsername
        self.saslPassword = saslPassword
        self.sslCALocation = sslCALocation
        self.requestTimeout = requestTimeout
        self.properties = properties
    }

    var requestTimeoutMilliseconds: Int32 {
        let (seconds, attoseconds) = requestTimeout.components
        return Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }

    /// The properties common to every client built from this configuration.
    var baseProperties: [(String, String)] {
        var list: [(String, String)] = [("bootstrap.servers", brokers), ("client.id", clientId),
                                        ("socket.connection.setup.timeout.ms", String(max(1000, requestTimeoutMilliseconds)))]
        if let securityProtocol { list.append(("security.protocol", securityProtocol)) }
        if let saslMechanism { list.append(("sasl.mechanisms", saslMechanism)) }
        if let saslUsername { list.append(("sasl.username", saslUsername)) }
        if let saslPassword { list.append(("sasl.password", saslPassword)) }
        if let sslCALocation { list.append(("ssl.ca.location", sslCALocation)) }
        return list
    }
}

/// The librdkafka version loaded at run time, such as "2.16.1". Debian's 2.0.2 cannot talk to the
/// local Tansu broker; the dev scripts put 2.16 on the library path.
public var librdkafkaVersion: String { String(cString: rd_kafka_version_str()) }

/// Builds an `rd_kafka_conf_t` from properties; the caller owns the result until it passes it to
/// `rd_kafka_new`. An unknown key or invalid value names the key, never the value: librdkafka's
/// own message quotes the value, so it is masked there (a value may be a password).
func makeConf(_ properties: [(String, String)]) throws(KafkaError) -> OpaquePointer {
    guard let conf = rd_kafka_conf_new() else { throw .client("rd_kafka_conf_new failed") }
    rd_kafka_conf_set_log_cb(conf, logCallback)
    var errstr = [CChar](repeating: 0, count: 512)
    for (key, value) in properties {
        if rd_kafka_conf_set(conf, key, value, &errstr, errstr.count) != RD_KAFKA_CONF_OK {
            rd_kafka_conf_destroy(conf)
            throw KafkaError(code: KafkaError.invalidConfiguration,
                             message: "configuration property \(key): \(masking(value, in: cString(errstr), secret: SecretNames.isSecret(key)))",
                             isRetriable: false)
        }
    }
    return conf
}

/// `message` with every occurrence of `value` replaced by `***`: quoted occurrences always, bare
/// ones when the value is a `secret` or long enough that masking cannot garble the message's words.
func masking(_ value: String, in message: String, secret: Bool) -> String {
    guard !value.isEmpty else { return message }
    let quoted = message.replacingOccurrences(of: "\"\(value)\"", with: "\"***\"")
    return secret || value.count >= 4 ? quoted.replacingOccurrences(of: value, with: "***") : quoted
}

/// Creates a client handle of `type` from a conf (consumed on success and on failure) built from
/// `properties`, whose values are masked in the error (librdkafka names a refused SASL mechanism,
/// for one, by its value).
func makeHandle(_ type: rd_kafka_type_t, conf: OpaquePointer, properties: [(String, String)]) throws(KafkaError) -> Handle {
    var errstr = [CChar](repeating: 0, count: 512)
    guard let handle = rd_kafka_new(type, conf, &errstr, errstr.count) else {
        rd_kafka_conf_destroy(conf)
        let message = properties.reduce(cString(errstr)) { message, property in
            masking(property.1, in: message, secret: SecretNames.isSecret(property.0))
        }
        throw KafkaError(code: KafkaError.invalidConfiguration, message: "rd_kafka_new: \(message)", isRetriable: false)
    }
    return Handle(pointer: handle)
}

/// A librdkafka client handle, passed to the executors that make blocking calls on it.
/// librdkafka handles are thread-safe; Twinlog still serializes each consumer's calls.
struct Handle: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// The text of a NUL-terminated C buffer.
func cString(_ buffer: [CChar]) -> String {
    buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}

/// librdkafka's internal log lines (connection failures, broker state) go to swift-log under
/// `twinlog.librdkafka` instead of stderr: syslog levels 0–3 as warnings, the rest as debug.
private let librdkafkaLogger = Logger(label: "twinlog.librdkafka")

private let logCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = { _, level, facility, message in
    let text = message.map { String(cString: $0) } ?? ""
    let metadata: Logger.Metadata = ["facility": "\(facility.map { String(cString: $0) } ?? "")"]
    if level <= 3 {
        librdkafkaLogger.warning("\(text)", metadata: metadata)
    } else {
        librdkafkaLogger.debug("\(text)", metadata: metadata)
    }
}
