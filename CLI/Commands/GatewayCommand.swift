import ArgumentParser
import Foundation
import Logging
import TwinlogAsk
import TwinlogCommandSupport
import TwinlogConfig
import TwinlogEvents
import TwinlogGateway
import TwinlogMetrics

/// Serves the HTTP gateway: `POST /v1/ask`, `GET /health`, `GET /metrics`; the bearer token
/// comes from the `gatewayToken` setting (`TWINLOG_GATEWAY_TOKEN`).
struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway", abstract: "HTTP gateway to the request/reply topics: POST /v1/ask, GET /health, GET /metrics.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @Option(help: "Seconds an asker waits when the request names no timeout (at most 3600).",
            transform: SecondsFlag.within(0...3_600))
    var timeout: Duration = .seconds(30)
    @Option(help: "Requests of POST /v1/ask answered at once; one more gets 429 (1 to 10000).")
    var maxInFlight = AskGateway.defaultMaxInFlight
    @Option(help: "The largest request body in bytes; a larger one gets 413 (256 to 16777216).")
    var maxBodyBytes = AskGateway.defaultMaxBodyBytes

    func validate() throws {
        guard (1...10_000).contains(maxInFlight) else { throw ValidationError("--max-in-flight must be from 1 to 10000, got \(maxInFlight)") }
        guard (256...16 << 20).contains(maxBodyBytes) else {
            throw ValidationError("--max-body-bytes must be from 256 to 16777216, got \(maxBodyBytes)")
        }
    }

    func run() async throws {
        let config = try global.load()
        TwinlogMetrics.bootstrap()
        let client = try await QueryClient(kafka: config.kafka, topics: TopicCatalogue(prefix: config.topicPrefix))
        var configuration = AskGateway.Configuration()
        configuration.host = host
        configuration.port = port
        configuration.defaultTimeout = timeout
        configuration.maxInFlight = maxInFlight
        configuration.maxBodyBytes = maxBodyBytes
        configuration.token = config.gatewayToken
        if config.gatewayToken == nil, !["127.0.0.1", "::1", "localhost"].contains(host) {
            configuration.logger.warning("no gatewayToken is set (TWINLOG_GATEWAY_TOKEN): anyone who can reach \(host):\(port) may ask")
        }
        try await AskGateway(configuration, client: client).run { port in print("gateway listening on http://\(host):\(port)") }
        await client.close()
    }
}
