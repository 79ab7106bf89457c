import Foundation
import Testing
import TwinlogConfig
import TwinlogKafka
import TwinlogTestSupport

@Suite("Configuration: flags over environment over file")
struct ConfigurationTests {
    func file(_ json: String) throws -> String {
        let path = temporaryPath("config.json")
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("defaults apply when nothing is set")
    func defaults() throws {
        let config = try TwinlogConfiguration.load(flags: [:], environment: [:], file: nil)
        #expect(config == TwinlogConfiguration())
        #expect(config.kafka.brokers == "127.0.0.1:19092")
    }

    @Test("a flag beats the environment, which beats the file")
    func precedence() throws {
        let path = try file(#"{"brokers": "file:1", "topicPrefix": "fromfile.", "requestTimeout": 3}"#)
        let config = try TwinlogConfiguration.load(flags: ["brokers": "flag:3"],
                                                   environment: ["TWINLOG_BROKERS": "env:2", "TWINLOG_TOPIC_PREFIX": "fromenv."], file: path)
        #expect(config.brokers == "flag:3")
        #expect(config.topicPrefix == "fromenv.")
        #expect(config.requestTimeout == 3)
    }

    @Test("a malformed value names the key, its source and the expected form", arguments: [
        (["brokers": "nohost"], [String: String](), "flag --brokers: expected host:port"),
        ([:], ["TWINLOG_REQUEST_TIMEOUT": "soon"], "environment variable TWINLOG_REQUEST_TIMEOUT: expected seconds"),
        ([:], ["TWINLOG_DATABASE_URL": "mysql://x"], "TWINLOG_DATABASE_URL: expected postgresql://"),
        ([:], ["TWINLOG_KAFKA_SECURITY_PROTOCOL": "tls"], "expected plaintext | ssl | sasl_plaintext | sasl_ssl"),
    ])
    func malformed(flags: [String: String], environment: [String: String], expected: String) {
        #expect { try TwinlogConfiguration.load(flags: flags, environment: environment, file: nil) } throws: {
            "\($0)".contains(expected)
        }
    }

    @Test("an unknown or mistyped file key is an error naming it")
    func badFile() throws {
        let unknown = try file(#"{"brokerz": "a:1"}"#)
        #expect { try TwinlogConfiguration.load(environment: [:], file: unknown) } throws: { "\($0)".contains("unknown key brokerz") }
        let typed = try file(#"{"brokers": true}"#)
        #expect { try TwinlogConfiguration.load(environment: [:], file: typed) } throws: { "\($0)".contains("key brokers must be a string or a number") }
        let broken = try file("{not json")
        #expect { try TwinlogConfiguration.load(environment: [:], file: broken) } throws: { "\($0)".contains("expected a JSON object") }
    }

    @Test("SASL and TLS settings pass through to the Kafka client")
    func security() throws {
        let config = try TwinlogConfiguration.load(environment: [
            "TWINLOG_KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "TWINLOG_KAFKA_SASL_MECHANISM": "scram-sha-512",
            "TWINLOG_KAFKA_SASL_USERNAME": "u", "TWINLOG_KAFKA_SASL_PASSWORD": "p", "TWINLOG_KAFKA_SSL_CA": "/etc/ca.pem",
        ], file: nil)
        let kafka = config.kafka
        #expect(kafka.securityProtocol == "sasl_ssl")
        #expect(kafka.saslMechanism == "SCRAM-SHA-512")
        #expect(kafka.saslUsername == "u" && kafka.saslPassword == "p")
        #expect(kafka.sslCALocation == "/etc/ca.pem")
    }

    @Test("a rejected value of a secret-looking key is named with its source and form, never echoed")
    func secretNotEchoed() throws {
        #expect { try TwinlogConfiguration.load(environment: ["TWINLOG_GATEWAY_TOKEN": "hunter2 short"], file: nil) } throws: {
            let text = "\($0)"
            return text.contains("environment variable TWINLOG_GATEWAY_TOKEN: expected 16 to 4096 visible ASCII characters")
                && text.contains("not shown") && !text.contains("hunter2")
        }
        let path = try file(#"{"gatewayToken": "hunter2"}"#)
        #expect { try TwinlogConfiguration.load(environment: [:], file: path) } throws: {
            "\($0)".contains("key gatewayToken: expected") && !"\($0)".contains("hunter2")
        }
    }

    @Test("a rejected database URL is echoed with its passwords masked")
    func databaseURLRedacted() {
        #expect { try TwinlogConfiguration.load(environment: ["TWINLOG_DATABASE_URL": "mysql://u:hunter2@db.example/x?password=hunter3"], file: nil) } throws: {
            let text = "\($0)"
            return text.contains("TWINLOG_DATABASE_URL: expected postgresql://") && text.contains("mysql://u:***@db.example/x?password=***")
                && !text.contains("hunter2") && !text.contains("hunter3")
        }
    }

    @Test("the gateway token is unset by default and read from TWINLOG_GATEWAY_TOKEN")
    func gatewayToken() throws {
        #expect(try TwinlogConfiguration.load(environment: [:], file: nil).gatewayToken == nil)
        let config = try TwinlogConfiguration.load(environment: ["TWINLOG_GATEWAY_TOKEN": "0123456789abcdef-token"], file: nil)
        #expect(config.gatewayToken == "0123456789abcdef-token")
    }
}
