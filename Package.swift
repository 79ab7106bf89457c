// swift-tools-version:6.0
// Twinlog: an event-sourced LLM-twin platform. The tree shows the flow:
// Producers/ emit events, Core/ knows how, Consumers/ react. See docs/DESIGN.md.
import PackageDescription

/// A system-library target for one C library; exactly one Swift module above it may import it.
func systemLibrary(_ name: String, pkgConfig: String, apt: String) -> Target {
    .systemLibrary(name: name, path: "Core/\(name)", pkgConfig: pkgConfig, providers: [.apt([apt])])
}

let package = Package(
    name: "Twinlog",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "twinlog", targets: ["TwinlogCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swiftcsv/SwiftCSV", from: "0.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // C libraries, each wrapped by one Swift module.
        systemLibrary("CRdKafka", pkgConfig: "rdkafka", apt: "librdkafka-dev"),
        systemLibrary("CLibPQ", pkgConfig: "libpq", apt: "libpq-dev"),
        systemLibrary("COpenBLAS", pkgConfig: "openblas", apt: "libopenblas-dev"),
        systemLibrary("CZstd", pkgConfig: "libzstd", apt: "libzstd-dev"),
        systemLibrary("CLibXML2", pkgConfig: "libxml-2.0", apt: "libxml2-dev"),

        // Core: the shared library modules.
        .target(name: "TwinlogRuntime", path: "Core/Runtime"),
        .target(name: "TwinlogKafka", dependencies: [
            "CRdKafka", "TwinlogRuntime", .product(name: "Logging", package: "swift-log"),
        ], path: "Core/Kafka"),
        .target(name: "TwinlogPostgres", dependencies: [
            "CLibPQ", "TwinlogRuntime", .product(name: "Logging", package: "swift-log"),
            .product(name: "Crypto", package: "swift-crypto"),
        ], path: "Core/Postgres"),
        .target(name: "TwinlogCompression", dependencies: ["CZstd"], path: "Core/Compression"),
        .target(name: "TwinlogLinalg", dependencies: ["COpenBLAS"], path: "Core/Linalg"),
        .target(name: "TwinlogHTML", dependencies: ["CLibXML2"], path: "Core/HTML"),
        .target(name: "TwinlogSchemas", path: "Schemas", resources: [.copy("events"), .copy("warehouse")]),
        .target(name: "TwinlogEvents", dependencies: [
            "TwinlogSchemas", "TwinlogKafka", .product(name: "Crypto", package: "swift-crypto"),
        ], path: "Core/Events"),
        .target(name: "TwinlogConfig", dependencies: ["TwinlogEvents", "TwinlogKafka", "TwinlogPostgres", "TwinlogRuntime"], path: "Core/Config"),
        .target(name: "TwinlogSink", dependencies: [
            "TwinlogEvents", "TwinlogKafka", "TwinlogMetrics", "TwinlogPostgres", "TwinlogSchemas",
            .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], path: "Core/Sink"),
        .target(name: "TwinlogText", dependencies: [
            .product(name: "Crypto", package: "swift-crypto"),
        ], path: "Core/Text"),
        .target(name: "TwinlogEmbedding", dependencies: ["TwinlogText", "TwinlogLinalg", "TwinlogRuntime"], path: "Core/Embedding"),
        .target(name: "TwinlogIndex", dependencies: ["TwinlogLinalg", "TwinlogCompression", "TwinlogRuntime"], path: "Core/Index"),
        // Our own C: the quantized kernels, with AVX2 chosen at run time (per-function target attributes).
        // Optimized even in debug builds, so the tests that run real models stay fast.
        .target(name: "CTwinlogKernels", path: "Core/CKernels", cSettings: [.unsafeFlags(["-O2"])]),
        // The element-wise layers of the Llama block and their backward passes, shared by generation and training.
        .target(name: "TwinlogLayers", path: "Core/Layers"),
        .target(name: "TwinlogGeneration", dependencies: ["CTwinlogKernels", "TwinlogLayers", "TwinlogLinalg", "TwinlogRuntime"],
                path: "Core/Generation"),
        .target(name: "TwinlogTraining", dependencies: [
            "TwinlogGeneration", "TwinlogLayers", "TwinlogLinalg", "TwinlogRuntime", "TwinlogEmbedding",
            .product(name: "Logging", package: "swift-log"), .product(name: "Crypto", package: "swift-crypto"),
        ], path: "Core/Training"),

        .target(name: "TwinlogDrift", dependencies: ["TwinlogLinalg", "TwinlogRuntime"], path: "Core/Drift"),
        .target(name: "TwinlogDataset", dependencies: [
            "TwinlogTraining", "TwinlogCompression", "TwinlogRuntime", .product(name: "Crypto", package: "swift-crypto"),
        ], path: "Core/Dataset"),

        .target(name: "TwinlogMetrics", dependencies: [
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ], path: "Core/Metrics"),

        // Producers: the crawlers and their dispatcher.
        .target(name: "Crawlers", dependencies: [
            "TwinlogEvents", "TwinlogKafka", "TwinlogPostgres", "TwinlogSink", "TwinlogHTML", "TwinlogRuntime", "TwinlogText",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "SwiftCSV", package: "SwiftCSV"),
        ], path: "Producers"),

        .target(name: "TwinlogRAG", dependencies: ["TwinlogIndex", "TwinlogGeneration", "TwinlogLinalg", "TwinlogRuntime", "TwinlogText"],
                path: "Core/RAG"),
        .target(name: "TwinlogAsk", dependencies: ["TwinlogEvents", "TwinlogKafka"], path: "Core/Ask"),
        .target(name: "TwinlogGateway", dependencies: [
            "TwinlogAsk", "TwinlogEvents", "TwinlogMetrics", "TwinlogRuntime",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Core/Gateway"),

        // Fuzzing: mutated real inputs for every reader of outside bytes (`twinlog fuzz`).
        .target(name: "TwinlogFuzz", dependencies: [
            "Crawlers", "TwinlogCompression", "TwinlogEmbedding", "TwinlogEvents", "TwinlogGeneration", "TwinlogHTML", "TwinlogIndex", "TwinlogText",
            "TwinlogKafka", "TwinlogPostgres", "TwinlogRuntime", "TwinlogTraining", .product(name: "Crypto", package: "swift-crypto"),
        ], path: "Core/Fuzz"),

        // Consumers: one folder per consumer.
        .target(name: "WarehouseConsumer", dependencies: [
            "TwinlogEvents", "TwinlogKafka", "TwinlogMetrics", "TwinlogPostgres", "TwinlogSchemas", "TwinlogSink",
            .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], path: "Consumers/warehouse"),
        .target(name: "CDCConsumer", dependencies: [
            "TwinlogEvents", "TwinlogKafka", "TwinlogPostgres", "TwinlogSink", .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], path: "Consumers/cdc"),

        .target(name: "FeatureConsumer", dependencies: [
            "TwinlogEvents", "TwinlogKafka", "TwinlogPostgres", "TwinlogSink", "TwinlogText", "TwinlogEmbedding",
            "TwinlogMetrics", "TwinlogRuntime", .product(name: "Logging", package: "swift-log"), .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], path: "Consumers/features"),
        .target(name: "IndexConsumer", dependencies: [
            "TwinlogEvents", "TwinlogKafka", "TwinlogIndex", "TwinlogMetrics", "TwinlogRuntime", "TwinlogSink",
            .product(name: "Logging", package: "swift-log"), .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], path: "Consumers/index"),
        .target(name: "InferenceConsumer", dependencies: [
            "TwinlogRAG", "TwinlogEmbedding", "TwinlogEvents", "TwinlogGeneration", "TwinlogIndex", "TwinlogKafka", "TwinlogMetrics",
            "TwinlogRuntime", "TwinlogSink", "TwinlogText", "TwinlogTraining", .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], path: "Consumers/inference"),
        .target(name: "DriftConsumer", dependencies: [
            "TwinlogDrift", "TwinlogEvents", "TwinlogKafka", "TwinlogMetrics", "TwinlogPostgres", "TwinlogRuntime", "TwinlogSink",
            .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], path: "Consumers/drift"),
        .target(name: "TrainingConsumer", dependencies: [
            "TwinlogDataset", "TwinlogTraining", "TwinlogGeneration", "TwinlogEmbedding", "TwinlogText", "TwinlogEvents",
            "TwinlogKafka", "TwinlogMetrics", "TwinlogPostgres", "TwinlogRuntime", "TwinlogSink",
            .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], path: "Consumers/training"),

        // What the command-line tool drives: the consumers as services of one process, and the demo
        // with its bundled sample author.
        .target(name: "TwinlogApp", dependencies: [
            "Crawlers", "WarehouseConsumer", "CDCConsumer", "FeatureConsumer", "IndexConsumer", "InferenceConsumer",
            "DriftConsumer", "TrainingConsumer", "TwinlogTraining", "TwinlogAsk", "TwinlogConfig", "TwinlogEmbedding", "TwinlogEvents", "TwinlogGeneration", "TwinlogIndex", "TwinlogKafka",
            "TwinlogMetrics", "TwinlogPostgres", "TwinlogRAG", "TwinlogRuntime", "TwinlogSink",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], path: "CLI/App", resources: [.copy("SampleAuthor")]),

        // The command-line tool.
        .executableTarget(name: "TwinlogCLI", dependencies: [
            "TwinlogConfig", "TwinlogEvents", "TwinlogKafka", "TwinlogPostgres", "TwinlogRuntime", "WarehouseConsumer", "CDCConsumer",
            "TwinlogText", "TwinlogEmbedding", "TwinlogIndex", "TwinlogGeneration", "Crawlers", "FeatureConsumer", "IndexConsumer",
            "TwinlogMetrics", "TwinlogAsk", "TwinlogRAG", "InferenceConsumer", "TwinlogGateway", "TwinlogTraining", "TwinlogApp",
            "DriftConsumer", "TrainingConsumer", "TwinlogDataset", "TwinlogFuzz",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], path: "CLI", exclude: ["App"]),

        // Tests: pure logic (no services) and integration (real broker, real PostgreSQL).
        // What every test target shares: the local services, per-test namespaces, unique names, waiting.
        .target(name: "TwinlogTestSupport", dependencies: ["TwinlogEvents", "TwinlogKafka", "TwinlogPostgres", "TwinlogRuntime", "TwinlogSink"], path: "Tests/Support"),
        .testTarget(name: "CoreTests", dependencies: ["TwinlogTestSupport",
            "TwinlogEvents", "TwinlogConfig", "TwinlogCompression", "TwinlogLinalg", "TwinlogHTML",
            "TwinlogPostgres", "TwinlogSchemas", "TwinlogDrift", "TwinlogDataset", "TwinlogKafka", "TwinlogMetrics", "TwinlogSink",
        ], path: "Tests/CoreTests"),
        .testTarget(name: "IntegrationTests", dependencies: ["TwinlogTestSupport",
            "TwinlogEvents", "TwinlogKafka", "TwinlogPostgres", "TwinlogConfig", "TwinlogSchemas",
            "TwinlogMetrics", "TwinlogRuntime", "TwinlogSink", "WarehouseConsumer", "CDCConsumer",
        ], path: "Tests/IntegrationTests"),
        .testTarget(name: "EmbeddingTests", dependencies: ["TwinlogTestSupport", "TwinlogText", "TwinlogEmbedding"],
                    path: "Tests/EmbeddingTests", resources: [.copy("Fixtures")]),
        .testTarget(name: "CrawlerTests", dependencies: ["TwinlogTestSupport",
            "Crawlers", "TwinlogHTML", "TwinlogEvents", "TwinlogKafka", "TwinlogPostgres", "TwinlogRuntime", "TwinlogSink", "TwinlogText",
            .product(name: "Hummingbird", package: "hummingbird"),
        ], path: "Tests/CrawlerTests", resources: [.copy("Fixtures")]),
        .testTarget(name: "PipelineTests", dependencies: ["TwinlogTestSupport",
            "FeatureConsumer", "IndexConsumer", "WarehouseConsumer", "CDCConsumer", "TwinlogEvents", "TwinlogKafka",
            "TwinlogPostgres", "TwinlogSink", "TwinlogText", "TwinlogEmbedding", "TwinlogIndex", "TwinlogMetrics",
            "TwinlogRuntime", "DriftConsumer", "TrainingConsumer", "TwinlogDrift", "TwinlogDataset", "TwinlogGeneration",
            "TwinlogTraining",
        ], path: "Tests/PipelineTests"),
        .testTarget(name: "InferenceTests", dependencies: ["TwinlogTestSupport",
            "InferenceConsumer", "TwinlogRAG", "TwinlogAsk", "TwinlogEmbedding", "TwinlogEvents", "TwinlogGeneration",
            "TwinlogIndex", "TwinlogKafka", "TwinlogGateway", "TwinlogLinalg", "TwinlogMetrics", "TwinlogTraining",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Hummingbird", package: "hummingbird"),
        ], path: "Tests/InferenceTests"),
        .testTarget(name: "EndToEndTests", dependencies: ["TwinlogTestSupport",
            "TwinlogApp", "IndexConsumer", "TwinlogAsk", "TwinlogConfig", "TwinlogEvents", "TwinlogIndex", "TwinlogKafka", "TwinlogMetrics",
            "TwinlogRAG",
        ], path: "Tests/EndToEndTests"),
        .testTarget(name: "IndexTests", dependencies: ["TwinlogTestSupport", "TwinlogIndex", "TwinlogLinalg", "TwinlogRuntime"], path: "Tests/IndexTests"),
        .testTarget(name: "GenerationTests", dependencies: ["TwinlogTestSupport", "TwinlogGeneration"],
                    path: "Tests/GenerationTests", resources: [.copy("Fixtures")]),
        .testTarget(name: "FuzzTests", dependencies: ["TwinlogTestSupport", "TwinlogFuzz", "TwinlogRuntime"], path: "Tests/FuzzTests"),
        .testTarget(name: "TrainingTests", dependencies: ["TwinlogTestSupport", "TwinlogTraining", "TwinlogGeneration", "TwinlogEmbedding", "TwinlogLayers", "TwinlogLinalg"],
                    path: "Tests/TrainingTests", resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v6]
)
