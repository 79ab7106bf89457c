import ArgumentParser
import Foundation
import TwinlogAsk
import TwinlogConfig
import TwinlogEvents
import TwinlogGateway
import TwinlogMetrics

/// Serves the HTTP gateway: `POST /v1/ask`, `GET /health`, `GET /metrics`.
struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway", abstract: "HTTP gateway to the request/reply topics: POST /v1/ask, GET /health, GET /metrics.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @Option(help: "Seconds an asker waits when the request names no timeout (at most 3600).",
            transform: SecondsFlag.within(0...3_600))
    var timeout: Duration = .seconds(30)

    func run() async throws {
        let config = try global.load()
        TwinlogMetrics.bootstrap()
        let client = try await QueryClient(kafka: config.kafka, topics: TopicCatalogue(prefix: config.topicPrefix))
        var configuration = AskGateway.Configuration()
        configuration.host = host
        configuration.port = port
        configuration.defaultTimeout = timeout
        try await AskGateway(configuration, client: client).run { port in print("gateway listening on http://\(host):\(port)") }
        await client.close()
    }
}
