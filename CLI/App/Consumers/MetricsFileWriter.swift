import Foundation
import ServiceLifecycle
import TwinlogMetrics

/// Writes the Prometheus text exposition of the process's metrics to a file every few seconds
/// (for node_exporter's textfile collector), and once more when the process stops, so the file
/// ends with the final counts. Writes are atomic (temporary file, rename).
public struct MetricsFileWriter: Service {
    public let path: String
    public var interval: Duration = .seconds(5)

    public init(path: String) {
        self.path = path
    }

    public func run() async throws {
        let url = URL(fileURLWithPath: path)
        let interval = self.interval
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                Self.write(to: url)
                try? await Task.sleep(for: interval)
            }
        }
        Self.write(to: url)
    }

    private static func write(to url: URL) {
        try? Data(TwinlogMetrics.shared.render().utf8).write(to: url, options: .atomic)
    }
}
