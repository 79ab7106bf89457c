import ArgumentParser
import Dispatch
import Foundation
import Logging
import TwinlogConfig
import TwinlogEvents
import TwinlogPostgres
import CDCConsumer
import WarehouseConsumer

/// Runs Twinlog's consumers in this process until SIGINT or SIGTERM, then shuts them down cleanly
/// (stop fetching, finish the batch in flight, commit, leave the group, close connections).
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the consumers until interrupted.")
    static let available = ["warehouse", "cdc"]

    @OptionGroup var global: GlobalOptions
    @Option(help: "Comma-separated consumers to run (available: \(available.joined(separator: ", "))).")
    var only: String?

    func run() async throws {
        let config = try global.load()
        let selected = only.map { $0.split(separator: ",").map(String.init) } ?? Self.available
        for name in selected where !Self.available.contains(name) {
            throw ValidationError("unknown consumer \(name); available: \(Self.available.joined(separator: ", "))")
        }
        let logger = Logger(label: "twinlog.run")
        try await withThrowingTaskGroup(of: Void.self) { group in
            if selected.contains("warehouse") {
                var configuration = WarehouseMaterializer.Configuration(kafka: config.kafka, database: config.database, topics: config.topics)
                configuration.consumer.sessionTimeout = .milliseconds(Int(config.sessionTimeout * 1000))
                let materializer = try await WarehouseMaterializer(configuration)
                group.addTask { try await materializer.run() }
            }
            if selected.contains("cdc") {
                var configuration = CDCRelay.Configuration(kafka: config.kafka, database: config.database, topics: config.topics)
                // One slot and publication per warehouse schema, so deployments sharing a database stay apart.
                if let schema = config.databaseSchema {
                    configuration.slot = "twinlog_cdc_" + schema.lowercased()
                    configuration.publication = "twinlog_" + schema.lowercased()
                }
                let relay = try CDCRelay(configuration)
                group.addTask {
                    await relay.runForever()
                    await relay.shutdown()
                }
            }
            logger.info("running \(selected.joined(separator: ", ")); Ctrl-C to stop")
            await Signals.waitForTermination()
            logger.info("shutting down")
            group.cancelAll()
            try await group.waitForAll()
        }
    }
}

/// Waits for SIGINT or SIGTERM without killing the process, so services can shut down gracefully.
enum Signals {
    static func waitForTermination() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let once = BootstrapFlag()
            var sources: [DispatchSourceSignal] = []
            for signal in [SIGINT, SIGTERM] {
                Foundation.signal(signal, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: signal, queue: .global())
                source.setEventHandler {
                    if once.claim() { continuation.resume() }
                }
                source.resume()
                sources.append(source)
            }
            SignalSources.keep(sources)
        }
    }
}

/// Keeps signal sources alive for the life of the process.
private enum SignalSources {
    nonisolated(unsafe) private static var retained: [DispatchSourceSignal] = []
    static func keep(_ sources: [DispatchSourceSignal]) { retained += sources }
}
