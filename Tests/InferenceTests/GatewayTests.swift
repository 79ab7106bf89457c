import AsyncHTTPClient
import Foundation
import InferenceConsumer
import Hummingbird
import NIOHTTP1
import Testing
import TwinlogAsk
import TwinlogEvents
import TwinlogGateway
import TwinlogMetrics
import TwinlogTestSupport

@Suite("HTTP gateway over the request/reply topics")
struct GatewayTests {
    @Test("POST /v1/ask answers with sources, honours a time range; bad bodies are 400s that say why; a huge timeout is clamped; /health and /metrics answer")
    func gateway() async throws {
        let fixture = try await InferenceConsumerTests.Fixture("inf-gateway")
        let consumer = try fixture.consumer()
        let serving = Task { try await consumer.run() }
        let client = try await QueryClient(kafka: LocalServices.kafka, topics: fixture.topics)
        var configuration = AskGateway.Configuration()
        configuration.port = 0
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let gateway = Task { try await AskGateway(configuration, client: client).run { portContinuation.yield($0) } }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        let base = "http://127.0.0.1:\(port)"

        func call(_ path: String, _ body: String? = nil) async throws -> (status: UInt, body: String) {
            let response = try await Self.call(base + path, body)
            return (response.status, response.body)
        }

        // Long timeouts: the consumer may still be joining its group while other tests load the machine.
        let answered = try await call("/v1/ask", #"{"question": "Where was the moth found?", "retrievalOnly": true, "k": 3, "timeoutSeconds": 120}"#)
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
        let dated = try await call("/v1/ask", #"{"question": "partitions", "since": "2024-01-01", "until": "2025-01-01", "retrievalOnly": true, "timeoutSeconds": 120}"#)
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

    /// GET `url`, or POST `body` to it as JSON (unless `headers` names another Content-Type);
    /// `body` may also be a stream of chunks of unknown length.
    static func call(_ url: String, _ body: String? = nil, chunks: [String]? = nil, headers: [String: String] = [:],
                     timeoutSeconds: Int64 = 120) async throws -> (status: UInt, body: String, headers: [String: String]) {
        var request = HTTPClientRequest(url: url)
        if body != nil || chunks != nil {
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
        }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        if let chunks {
            let (stream, continuation) = AsyncStream.makeStream(of: ByteBuffer.self)
            for chunk in chunks { continuation.yield(ByteBuffer(string: chunk)) }
            continuation.finish()
            request.body = .stream(stream, length: .unknown)
        }
        for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(timeoutSeconds))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        let fields = Dictionary(response.headers.map { ($0.name.lowercased(), $0.value) }) { first, _ in first }
        return (response.status.code, String(decoding: bytes.readableBytesView, as: UTF8.self), fields)
    }

    @Test("the gateway refuses a missing or wrong bearer token (401), a body not declared JSON (415), an oversized body (413) and requests past the in-flight cap (429); a correct request still works")
    func limits() async throws {
        let fixture = try await InferenceConsumerTests.Fixture("inf-gwlimits")
        let client = try await QueryClient(kafka: LocalServices.kafka, topics: fixture.topics)
        let registry = MetricsRegistry()
        let token = "gw-test-token-0123456789"
        var configuration = AskGateway.Configuration()
        configuration.port = 0
        configuration.token = token
        configuration.maxInFlight = 1
        configuration.maxBodyBytes = 512
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let gateway = Task { try await AskGateway(configuration, client: client, metrics: registry).run { portContinuation.yield($0) } }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        let ask = "http://127.0.0.1:\(port)/v1/ask"
        let bearer = ["Authorization": "Bearer \(token)"]
        let question = #"{"question": "Where was the moth found?", "retrievalOnly": true, "k": 3, "timeoutSeconds": 120}"#

        let anonymous = try await Self.call(ask, question)
        #expect(anonymous.status == 401 && anonymous.body.contains("Authorization: Bearer"))
        #expect(anonymous.headers["www-authenticate"]?.hasPrefix("Bearer") == true)
        let wrong = try await Self.call(ask, question, headers: ["Authorization": "Bearer gw-test-token-0123456788"])
        #expect(wrong.status == 401 && wrong.body.contains("bearer token is wrong"))
        let prefix = try await Self.call(ask, question, headers: ["Authorization": "Bearer gw-test-token"])
        #expect(prefix.status == 401)
        let basic = try await Self.call(ask, question, headers: ["Authorization": "Basic \(token)"])
        #expect(basic.status == 401)
        let metrics = try await Self.call("http://127.0.0.1:\(port)/metrics")
        #expect(metrics.status == 401)
        let health = try await Self.call("http://127.0.0.1:\(port)/health")
        #expect(health.status == 200)

        // A cross-site form post can only send these types without a preflight.
        for type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
            let form = try await Self.call(ask, question, headers: bearer.merging(["Content-Type": type]) { $1 })
            #expect(form.status == 415 && form.body.contains("Content-Type must be application/json") && form.body.contains(type))
        }
        var untyped = HTTPClientRequest(url: ask)
        untyped.method = .POST
        untyped.headers.add(name: "Authorization", value: "Bearer \(token)")
        untyped.body = .bytes(ByteBuffer(string: question))
        let noType = try await HTTPClient.shared.execute(untyped, timeout: .seconds(60))
        #expect(noType.status.code == 415)
        let latin1 = try await Self.call(ask, question, headers: bearer.merging(["Content-Type": "application/json; charset=latin1"]) { $1 })
        #expect(latin1.status == 415)

        let padding = String(repeating: " ", count: 600)
        let large = try await Self.call(ask, #"{"question": "moth"}"# + padding, headers: bearer)
        #expect(large.status == 413 && large.body.contains("larger than 512 bytes"))
        let chunked = try await Self.call(ask, chunks: [#"{"question": "moth","#, padding, "}"], headers: bearer)
        #expect(chunked.status == 413 && chunked.body.contains("larger than 512 bytes"))

        // No inference consumer runs yet, so the first question waits in flight; the second is refused.
        let waiting = Task { try await Self.call(ask, question, headers: bearer) }
        var held = false
        for _ in 0..<1200 where !held {
            held = registry.render().contains("twinlog_gateway_in_flight 1")
            if !held { try await Task.sleep(for: .milliseconds(50)) }
        }
        try #require(held, "the first question never counted as in flight")
        let refused = try await Self.call(ask, question, headers: bearer)
        #expect(refused.status == 429 && refused.body.contains("at most 1"))
        #expect(refused.headers["retry-after"] == "1")

        let consumer = try fixture.consumer()
        let serving = Task { try await consumer.run() }
        let answered = try await waiting.value
        #expect(answered.status == 200)
        #expect(try JSONDecoder().decode(QueryAnswered.self, from: Data(answered.body.utf8)).sources.first?.chunkId == "c-grace-bug")
        let again = try await Self.call(ask, question, headers: bearer.merging(["Content-Type": "application/json; charset=UTF-8"]) { $1 })
        #expect(again.status == 200)
        let scheme = try await Self.call(ask, question, headers: ["Authorization": "bearer \(token)"])
        #expect(scheme.status == 200, "the auth scheme is case-insensitive")
        let scraped = try await Self.call("http://127.0.0.1:\(port)/metrics", headers: bearer)
        #expect(scraped.status == 200 && scraped.body.contains("twinlog_gateway_in_flight 0"))

        gateway.cancel()
        _ = await gateway.result
        await client.close()
        serving.cancel()
        _ = await serving.result
    }
    @Test("with Accept: text/event-stream, POST /v1/ask streams partial events, then the answer event, and frees its place in flight")
    func serverSentEvents() async throws {
        let fixture = try await InferenceConsumerTests.Fixture("inf-gwsse")
        let consumer = try fixture.consumer(generator: true)
        let serving = Task { try await consumer.run() }
        let client = try await QueryClient(kafka: LocalServices.kafka, topics: fixture.topics)
        var configuration = AskGateway.Configuration()
        configuration.port = 0
        configuration.maxInFlight = 1
        configuration.heartbeatInterval = .seconds(2)
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let gateway = Task { try await AskGateway(configuration, client: client).run { portContinuation.yield($0) } }
        var iterator = ports.makeAsyncIterator()
        let url = "http://127.0.0.1:\(try #require(await iterator.next()))/v1/ask"
        let body = #"{"question": "How long is the wire Grace Hopper hands out?", "maxTokens": 8, "timeoutSeconds": 290}"#

        let streamed = try await Self.call(url, body, headers: ["Accept": "text/event-stream"], timeoutSeconds: 300)
        #expect(streamed.status == 200)
        #expect(streamed.headers["content-type"] == "text/event-stream")
        // Comment lines (`: waiting`) are heartbeats, not events.
        let blocks = streamed.body.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        let events = blocks.filter { !$0.hasPrefix(":") }.map { block in
            let lines = block.split(separator: "\n")
            return (name: lines.first { $0.hasPrefix("event: ") }.map { String($0.dropFirst(7)) } ?? "",
                    data: lines.first { $0.hasPrefix("data: ") }.map { String($0.dropFirst(6)) } ?? "")
        }
        let partials = events.filter { $0.name == "partial" }
        #expect(!partials.isEmpty)
        #expect(events.last?.name == "answer" && events.filter { $0.name == "answer" }.count == 1, "\(events.map(\.name))")
        let sequences = try partials.map { try #require(JSONSerialization.jsonObject(with: Data($0.data.utf8)) as? [String: Any])["sequence"] as? Int }
        #expect(sequences == Array(0..<partials.count).map { $0 })
        let reply = try JSONDecoder().decode(QueryAnswered.self, from: Data(try #require(events.last).data.utf8))
        #expect(reply.status == .ok && reply.answer != nil)

        // The stream gave its one place in flight back: the next request is served, not a 429.
        #expect(blocks.allSatisfy { $0.hasPrefix(":") || $0.hasPrefix("event: ") }, "\(blocks)")
        let plain = try await Self.call(url, #"{"question": "Where was the moth found?", "retrievalOnly": true, "k": 3, "timeoutSeconds": 120}"#)
        #expect(plain.status == 200)
        #expect(plain.headers["content-type"] == "application/json")

        gateway.cancel()
        _ = await gateway.result
        await client.close()
        serving.cancel()
        _ = await serving.result
    }
}
