import AsyncHTTPClient
import Foundation
import InferenceConsumer
import Hummingbird
import Testing
import TwinlogAsk
import TwinlogEvents
import TwinlogGateway

@Suite("HTTP gateway over the request/reply topics")
struct GatewayTests {
    @Test("POST /v1/ask answers with sources, honours a time range; bad bodies are 400s that say why; a huge timeout is clamped; /health and /metrics answer")
    func gateway() async throws {
        let fixture = try await InferenceConsumerTests.Fixture("inf-gateway")
        let consumer = try fixture.consumer()
        let serving = Task { try await consumer.run() }
        let client = try await QueryClient(kafka: Services.kafka, topics: fixture.topics)
        var configuration = AskGateway.Configuration()
        configuration.port = 0
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let gateway = Task { try await AskGateway(configuration, client: client).run { portContinuation.yield($0) } }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        let base = "http://127.0.0.1:\(port)"

        /// GET `path`, or POST `body` to it.
        func call(_ path: String, _ body: String? = nil) async throws -> (status: UInt, body: String) {
            var request = HTTPClientRequest(url: base + path)
            if let body {
                request.method = .POST
                request.body = .bytes(ByteBuffer(string: body))
            }
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
            let bytes = try await response.body.collect(upTo: 1 << 20)
            return (response.status.code, String(decoding: bytes.readableBytesView, as: UTF8.self))
        }

        let answered = try await call("/v1/ask", #"{"question": "Where was the moth found?", "retrievalOnly": true, "k": 3}"#)
        #expect(answered.status == 200)
        let reply = try JSONDecoder().decode(QueryAnswered.self, from: Data(answered.body.utf8))
        #expect(reply.status == .ok)
        #expect(reply.sources.first?.chunkId == "c-grace-bug")

        let notJSON = try await call("/v1/ask", "question=moth")
        #expect(notJSON.status == 400 && notJSON.body.contains("not a valid ask request"))
        let badPlatform = try await call("/v1/ask", #"{"question": "moth", "platform": "myspace"}"#)
        #expect(badPlatform.status == 400 && badPlatform.body.contains("unknown platform myspace"))
        let badK = try await call("/v1/ask", #"{"question": "moth", "k": 500}"#)
        #expect(badK.status == 400 && badK.body.contains("schema violation"))
        let dated = try await call("/v1/ask", #"{"question": "partitions", "since": "2024-01-01", "until": "2025-01-01", "retrievalOnly": true}"#)
        #expect(dated.status == 200)
        let datedReply = try JSONDecoder().decode(QueryAnswered.self, from: Data(dated.body.utf8))
        #expect(Set(datedReply.sources.map(\.chunkId)) == ["c-ada-pg", "c-ada-garden", "c-alan-run"])
        let badDate = try await call("/v1/ask", #"{"question": "moth", "since": "last tuesday"}"#)
        #expect(badDate.status == 400 && badDate.body.contains("since is not a date"))
        let emptyRange = try await call("/v1/ask", #"{"question": "moth", "since": "2025-01-01", "until": "2024-01-01"}"#)
        #expect(emptyRange.status == 400 && emptyRange.body.contains("is not before until"))

        // A timeout from the body is clamped before any conversion: 1e300 s once trapped the gateway.
        let huge = try await call("/v1/ask", #"{"question": "Where was the moth found?", "retrievalOnly": true, "timeoutSeconds": 1e300}"#)
        #expect(huge.status == 200)
        let negative = try await call("/v1/ask", #"{"question": "Where was the moth found?", "retrievalOnly": true, "timeoutSeconds": -1e300}"#)
        #expect(negative.status == 504 || negative.status == 200, "a negative timeout is the shortest one, never a crash")

        let health = try await call("/health")
        #expect(health.status == 200)
        let metrics = try await call("/metrics")
        #expect(metrics.status == 200 && metrics.body.contains("twinlog_gateway_requests_total"))

        gateway.cancel()
        _ = await gateway.result
        await client.close()
        serving.cancel()
        _ = await serving.result
    }
}
