import CRdKafka

/// An error from the Kafka client: librdkafka's error code and text, what the client was doing,
/// and where in Twinlog it was raised.
public struct KafkaError: Error, CustomStringConvertible, Sendable {
    /// librdkafka's numeric error code (`rd_kafka_resp_err_t`); negative codes are client-side.
    public let code: Int32
    /// What went wrong, in librdkafka's words plus the operation Twinlog attempted.
    public let message: String
    /// Whether retrying the same operation may succeed (broker not available, timed out, …).
    public let isRetriable: Bool
    /// Whether the client instance is unusable and must be recreated.
    public let isFatal: Bool
    public let file: String
    public let line: Int

    public var description: String {
        "Kafka error \(code) (\(Self.name(of: code))): \(message)\(isFatal ? " [fatal]" : "")"
    }

    init(code: Int32, message: String, isRetriable: Bool? = nil, isFatal: Bool = false,
         file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.isRetriable = isRetriable ?? Self.retriableCodes.contains(code)
        self.isFatal = isFatal
        self.file = file
        self.line = line
    }

    init(_ err: rd_kafka_resp_err_t, _ context: String, file: String = #fileID, line: Int = #line) {
        self.init(code: err.rawValue, message: "\(context): \(String(cString: rd_kafka_err2str(err)))",
                  file: file, line: line)
    }

    /// An error the client raised itself (not from librdkafka), such as an invalid argument.
    static func client(_ message: String, file: String = #fileID, line: Int = #line) -> KafkaError {
        KafkaError(code: RD_KAFKA_RESP_ERR__INVALID_ARG.rawValue, message: message, isRetriable: false,
                   file: file, line: line)
    }

    /// librdkafka's symbolic name for `code`, such as `_TIMED_OUT` or `UNKNOWN_TOPIC_OR_PART`.
    public static func name(of code: Int32) -> String {
        String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(rawValue: code)))
    }

    public static let timedOut = RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue
    public static let queueFull = RD_KAFKA_RESP_ERR__QUEUE_FULL.rawValue
    public static let messageTimedOut = RD_KAFKA_RESP_ERR__MSG_TIMED_OUT.rawValue
    public static let transport = RD_KAFKA_RESP_ERR__TRANSPORT.rawValue
    public static let allBrokersDown = RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN.rawValue
    public static let topicAlreadyExists = RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS.rawValue
    public static let unknownTopic = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART.rawValue
    public static let invalidConfiguration = RD_KAFKA_RESP_ERR__INVALID_ARG.rawValue
    public static let topicAuthorizationFailed = RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED.rawValue

    /// Whether the cluster refused the request for lack of permission (an ACL or a create-topic
    /// policy), which waiting or retrying will not change but someone with the rights can.
    public var isAuthorizationRefusal: Bool { Self.refusalCodes.contains(code) }

    private static let refusalCodes: Set<Int32> = [
        topicAuthorizationFailed, RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED.rawValue,
        RD_KAFKA_RESP_ERR_POLICY_VIOLATION.rawValue,
    ]

    private static let retriableCodes: Set<Int32> = [
        timedOut, queueFull, messageTimedOut, transport, allBrokersDown,
        RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE.rawValue, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION.rawValue,
        RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT.rawValue, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS.rawValue,
        RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE.rawValue, RD_KAFKA_RESP_ERR_NOT_COORDINATOR.rawValue,
    ]
}
