import ArgumentParser
import Foundation
import TwinlogCommandSupport
import TwinlogConfig
import TwinlogKafka
import TwinlogRuntime

/// Produce + consume throughput of fixed-size records through Twinlog's Kafka client, side by side
/// with kcat (librdkafka's own CLI) on the same broker, with the same producer settings, in one run.
struct BenchKafkaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kafka", abstract: "Kafka client throughput vs kcat on the same broker (medians of several rounds).")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Records per round and side.") var records = 100_000
    @Option(help: "Record value size in bytes.") var size = 1024
    @Option(help: "Rounds; the medians are reported.") var rounds = 3
    @Option(help: "Partitions of each benchmark topic.") var partitions: Int32 = 4

    /// The producer settings both sides use.
    static let producerSettings = ["enable.idempotence": "true", "acks": "all", "compression.codec": "zstd", "linger.ms": "5"]

    func run() async throws {
        let config = try global.load()
        let admin = try KafkaAdmin(configuration: config.kafka)
        let payloadFile = FileManager.default.temporaryDirectory.appendingPathComponent("twinlog-bench-\(getpid()).txt").path
        let values = Self.payloads(count: records, size: size)
        try values.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "\n").appending("\n")
            .write(toFile: payloadFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: payloadFile) }
        let executor = BlockingExecutor(label: "twinlog.bench.kcat")

        var results: [String: [Double]] = [:]
        print("\(records) records of \(size) B, \(partitions) partitions, \(rounds) rounds, broker \(config.brokers), librdkafka \(librdkafkaVersion)")
        for round in 1...rounds {
            let run = "bench\(getpid())r\(round)"
            let swiftTopic = "\(config.topicPrefix)\(run).swift"
            let kcatTopic = "\(config.topicPrefix)\(run).kcat"
            try await admin.createTopics([TopicSpec(name: swiftTopic, partitions: partitions), TopicSpec(name: kcatTopic, partitions: partitions)])

            results["twinlog produce", default: []].append(try await produceSwift(config, topic: swiftTopic, values: values))
            results["kcat produce", default: []].append(try await timed(executor) {
                try Self.kcat(config, ["-P", "-t", kcatTopic, "-l", payloadFile] + Self.producerSettings.sorted { $0.key < $1.key }.flatMap { ["-X", "\($0.key)=\($0.value)"] })
            })
            results["twinlog consume", default: []].append(try await consumeSwift(config, topic: swiftTopic, group: run + ".swift"))
            results["kcat consume", default: []].append(try await timed(executor) {
                try Self.kcat(config, ["-C", "-t", kcatTopic, "-o", "beginning", "-c", String(records), "-q", "-X", "fetch.wait.max.ms=100"],
                              stdout: "/dev/null")
            })
            try await admin.deleteTopics([swiftTopic, kcatTopic])
        }

        await admin.close()

        func median(_ name: String) -> Double {
            let sorted = results[name, default: []].sorted()
            return sorted.isEmpty ? .nan : sorted[sorted.count / 2]
        }
        let megabytes = Double(records * size) / 1_000_000
        print("\n| side | records/s (median) | MB/s | rounds (s) |")
        print("|---|---|---|---|")
        for name in ["twinlog produce", "kcat produce", "twinlog consume", "kcat consume"] {
            let seconds = median(name)
            let rounds = results[name, default: []].map { String(format: "%.2f", $0) }.joined(separator: ", ")
            print(String(format: "| %@ | %.0f | %.1f | %@ |", name, Double(records) / seconds, megabytes / seconds, rounds))
        }
        print(String(format: "\nratio twinlog/kcat: produce %.2f×, consume %.2f×",
                     median("kcat produce") / median("twinlog produce"), median("kcat consume") / median("twinlog consume")))
    }

    /// `count` printable values of `size` bytes (no newlines: kcat reads one value per line).
    static func payloads(count: Int, size: Int) -> [[UInt8]] {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ".utf8)
        let block = (0..<(size * 64)).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
        return (0..<count).map { i in
            let start = (i * 131) % (block.count - size)
            return Array(block[start..<start + size])
        }
    }

    private func produceSwift(_ config: TwinlogConfiguration, topic: String, values: [[UInt8]]) async throws -> Double {
        var options = KafkaProducer.Options()
        options.properties = Self.producerSettings
        let producer = try KafkaProducer(configuration: config.kafka, options: options)
        let start = ContinuousClock.now
        try await producer.send(values.map { OutgoingRecord(topic: topic, key: nil, value: $0) })
        let elapsed = ContinuousClock.now - start
        await producer.shutdown()
        return elapsed.inSeconds
    }

    private func consumeSwift(_ config: TwinlogConfiguration, topic: String, group: String) async throws -> Double {
        var options = KafkaConsumer.Options(groupId: group)
        options.fetchMaxWait = .milliseconds(100)
        // Both sides read every partition by assignment (kcat -C does), so neither pays a group join.
        let consumer = try KafkaConsumer(configuration: config.kafka, options: options,
                                         assign: Dictionary(uniqueKeysWithValues: (0..<partitions).map { (TopicPartition(topic, $0), KafkaOffset.beginning) }))
        let start = ContinuousClock.now
        var seen = 0
        while seen < records {
            seen += try await consumer.poll(maxRecords: 10_000, timeout: .milliseconds(200)).count
            if ContinuousClock.now - start > .seconds(300) { throw ValidationError("consumed only \(seen) of \(records) records in 300 s") }
        }
        let elapsed = ContinuousClock.now - start
        await consumer.close()
        return elapsed.inSeconds
    }

    private func timed(_ executor: BlockingExecutor, _ body: @escaping @Sendable () throws -> Void) async throws -> Double {
        let start = ContinuousClock.now
        try await executor.run(body)
        return (ContinuousClock.now - start).inSeconds
    }

    private static func kcat(_ config: TwinlogConfiguration, _ arguments: [String], stdout: String? = nil) throws {
        let status = try ChildProcess.run(["kcat", "-b", config.brokers] + arguments, stdoutPath: stdout)
        guard status == 0 else { throw ValidationError("kcat \(arguments.joined(separator: " ")) exited with \(status)") }
    }
}
