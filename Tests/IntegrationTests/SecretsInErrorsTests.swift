import Foundation
import Testing
import TwinlogKafka
import TwinlogPostgres
import TwinlogTestSupport

@Suite("Errors from the Kafka and PostgreSQL clients never print a credential")
struct SecretsInErrorsTests {
    @Test("a refused Kafka property is named without its value, whether librdkafka refuses it when set or when the client starts", arguments: [
        ("security.protocol", "hunter2-not-a-protocol", [String: String]()),
        ("message.max.bytes", "hunter2", [:]),
        ("sasl.mechanisms", "hunter2", ["security.protocol": "sasl_plaintext"]),
        ("no.such.property.password", "hunter2", [:]),
    ])
    func kafkaProperty(name: String, value: String, others: [String: String]) {
        var configuration = LocalServices.kafka
        configuration.properties = others
        configuration.properties[name] = value
        #expect {
            _ = try KafkaProducer(configuration: configuration)
        } throws: { error in
            let message = "\(error)"
            return (message.contains(name) || message.contains("SASL mechanism")) && !message.contains("hunter2")
        }
    }

    @Test("a failed PostgreSQL connection names the server with its passwords masked")
    func postgresConnect() async throws {
        var options = PostgresConnection.Options(url: "postgresql://twinlog:hunter2@127.0.0.1:1/twinlog?password=hunter3&sslpassword=hunter4")
        options.connectTimeout = .seconds(2)
        await #expect {
            try await PostgresConnection.connect(options)
        } throws: { error in
            let text = "\(error)"
            return text.contains("127.0.0.1:1") && !text.contains("hunter2") && !text.contains("hunter3") && !text.contains("hunter4")
        }
    }
}
