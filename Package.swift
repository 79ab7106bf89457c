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
        .executable(name: "twinlog-bench", targets: ["TwinlogBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
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
        // Events as plain types with their JSON codec; their Kafka binding (records, headers, topic specs) beside it.
        .target(name: "TwinlogEvents", dependencies: [
            "TwinlogRuntime", "TwinlogSchemas", "TwinlogText", .product(name: "Crypto", package: "swift-crypto"),
        ], path: "Core/Events"),
        .target(name: "TwinlogKafkaEvents", dependencies: ["TwinlogEvents", "TwinlogKafka"], path: "Core/KafkaEvents"),
        .target(name: "TwinlogConfig", dependencies: [
            "TwinlogEvents", "TwinlogKafka", "TwinlogPostgres", "TwinlogRuntime",
        ], path: "Core/Config"),
        .target(name: "TwinlogSink", dependencies: [
            "TwinlogEvents", "TwinlogKafka", "TwinlogMetrics", "TwinlogPostgres", "TwinlogSchemas",
            .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], path: "Core/Sink"),
        .target(name: "TwinlogText", dependencies: [
            .product(name: "Crypto", package: "swift-crypto"),
        ], path: "Core/Text"),
        .target(name: "TwinlogEmbedding", dependencies: [
            "TwinlogLinalg", "TwinlogRuntime", "TwinlogText",
        ], path: "Core/Embedding"),
        .target(name: "TwinlogIndex", dependencies: [
            "TwinlogCompression", "TwinlogLinalg", "TwinlogRuntime",
        ], path: "Core/Index"),
        // Our own C: the quantized kernels, with AVX2 chosen at run time (per-function target attributes).
        // Optimized even in debug builds, so the tests that run real models stay fast.
        .target(name: "CTwinlogKernels", path: "Core/CKernels", cSettings: [.unsafeFlags(["-O2"])]),
        // The element-wise layers of the Llama block and their backward passes, shared by generation and training.
        .target(name: "TwinlogLayers", path: "Core/Layers"),
        .target(name: "TwinlogGeneration", dependencies: [
            "CTwinlogKernels", "TwinlogLayers", "TwinlogLinalg", "TwinlogRuntime", .product(name: "Crypto", package: "swift-crypto"),
        ], path: "Core/Generation"),
        .target(name: "TwinlogTraining", dependencies: [
            "TwinlogEmbedding", "TwinlogGeneration", "TwinlogLayers", "TwinlogLinalg", "TwinlogRuntime",
            .product(name: "Logging", package: "swift-log"), .product(name: "Crypto", package: "swift-crypto"),
        ], path: "Core/Training"),

        .target(name: "TwinlogDrift", dependencies: ["TwinlogLinalg", "TwinlogRuntime"], path: "Core/Drift"),
        .target(name: "TwinlogDataset", dependencies: [
            "TwinlogCompression", "TwinlogRuntime", "TwinlogTraining", .product(name: "Crypto", package: "swift-crypto"),
        ], path: "Core/Dataset"),

        .target(name: "TwinlogMetrics", dependencies: [
            .product(name: "Metrics", package: "swift-metrics"), .product(name: "Prometheus", package: "swift-prometheus"),
        ], path: "Core/Metrics"),

        // Producers: the crawlers and their dispatcher.
        .target(name: "Crawlers", dependencies: [
            "TwinlogEvents", "TwinlogHTML", "TwinlogKafka", "TwinlogKafkaEvents", "TwinlogPostgres", "TwinlogRuntime",
            "TwinlogSink", "TwinlogText", .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"), .product(name: "Yams", package: "Yams"),
            .product(name: "SwiftCSV", package: "SwiftCSV"),
        ], path: "Producers"),

        .target(name: "TwinlogRAG", dependencies: [
            "TwinlogGeneration", "TwinlogIndex", "TwinlogLinalg", "TwinlogRuntime", "TwinlogText",
        ], path: "Core/RAG"),
        .target(name: "TwinlogAsk", dependencies: [
            "TwinlogEvents", "TwinlogKafka", "TwinlogKafkaEvents",
        ], path: "Core/Ask"),
        .target(name: "TwinlogGateway", dependencies: [
            "TwinlogAsk", "TwinlogEvents", "TwinlogMetrics", "TwinlogRuntime", "TwinlogText",
            .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Metrics", package: "swift-metrics"), .product(name: "Logging", package: "swift-log"),
        ], path: "Core/Gateway"),

        // Fuzzing: mutated real inputs for every reader of outside bytes (`twinlog fuzz`).
        .target(name: "TwinlogFuzz", dependencies: [
            "Crawlers", "TwinlogCompression", "TwinlogEmbedding", "TwinlogEvents", "TwinlogGeneration", "TwinlogHTML",
            "TwinlogIndex", "TwinlogKafka", "TwinlogKafkaEvents", "TwinlogPostgres", "TwinlogRuntime", "TwinlogText",
            .product(name: "Crypto", package: "swift-crypto"),
        ], path: "Core/Fuzz"),

        // Consumers: one folder per consumer.
        .target(name: "WarehouseConsumer", dependencies: [
            "TwinlogEvents", "TwinlogKafka", "TwinlogKafkaEvents", "TwinlogPostgres", "TwinlogSink",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], path: "Consumers/warehouse"),
        .target(name: "CDCConsumer", dependencies: [
            "TwinlogEvents", "TwinlogKafka", "TwinlogKafkaEvents", "TwinlogPostgres", "TwinlogSink",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], path: "Consumers/cdc"),

        .target(name: "FeatureConsumer", dependencies: [
            "TwinlogEmbedding", "TwinlogEvents", "TwinlogKafka", "TwinlogKafkaEvents", "TwinlogPostgres",
            "TwinlogRuntime", "TwinlogSink", "TwinlogText",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Metrics", package: "swift-metrics"),
        ], path: "Consumers/features"),
        .target(name: "IndexConsumer", dependencies: [
            "TwinlogEvents", "TwinlogIndex", "TwinlogKafka", "TwinlogKafkaEvents", "TwinlogRuntime",
            "TwinlogSink", "TwinlogText", .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Metrics", package: "swift-metrics"),
        ], path: "Consumers/index"),
        .target(name: "InferenceConsumer", dependencies: [
            "TwinlogEmbedding", "TwinlogEvents", "TwinlogGeneration", "TwinlogIndex", "TwinlogKafka", "TwinlogKafkaEvents",
            "TwinlogRAG", "TwinlogRuntime", "TwinlogSink", "TwinlogText",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], path: "Consumers/inference"),
        .target(name: "DriftConsumer", dependencies: [
            "TwinlogDrift", "TwinlogEvents", "TwinlogKafka", "TwinlogKafkaEvents", "TwinlogPostgres",
            "TwinlogRuntime", "TwinlogSink", .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], path: "Consumers/drift"),
        .target(name: "TrainingConsumer", dependencies: [
            "TwinlogDataset", "TwinlogEmbedding", "TwinlogEvents", "TwinlogGeneration", "TwinlogKafka",
            "TwinlogKafkaEvents", "TwinlogPostgres", "TwinlogRuntime", "TwinlogSink", "TwinlogText",
            "TwinlogTraining", .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], path: "Consumers/training"),

        // What the command-line tool drives: the consumers as services of one process, and the demo
        // with its bundled sample author.
        .target(name: "TwinlogApp", dependencies: [
            "CDCConsumer", "Crawlers", "DriftConsumer", "FeatureConsumer", "IndexConsumer", "InferenceConsumer",
            "TrainingConsumer", "TwinlogAsk", "TwinlogConfig", "TwinlogEmbedding", "TwinlogEvents", "TwinlogGeneration",
            "TwinlogIndex", "TwinlogKafka", "TwinlogKafkaEvents", "TwinlogMetrics", "TwinlogPostgres", "TwinlogRAG",
            "TwinlogRuntime", "TwinlogSink", "TwinlogTraining", "WarehouseConsumer",
            .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        ], path: "CLI/App", resources: [.copy("SampleAuthor")]),

        // What both command-line tools share: the connection flags and the generator's options.
        .target(name: "TwinlogCommandSupport", dependencies: [
            "TwinlogConfig", "TwinlogEvents", "TwinlogGeneration", "TwinlogKafka", "TwinlogLinalg", "TwinlogPostgres", "TwinlogRAG",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "CLI/Shared"),
        // The benchmarks (`twinlog-bench`), apart from the product; the scripts under Benchmarks/ build and call it.
        .executableTarget(name: "TwinlogBench", dependencies: [
            "CDCConsumer", "FeatureConsumer", "IndexConsumer", "InferenceConsumer", "TrainingConsumer", "TwinlogAsk",
            "TwinlogCommandSupport", "TwinlogConfig", "TwinlogEmbedding", "TwinlogEvents", "TwinlogGeneration",
            "TwinlogIndex", "TwinlogKafka", "TwinlogKafkaEvents", "TwinlogPostgres", "TwinlogRAG", "TwinlogRuntime",
            "TwinlogSink", "TwinlogText", "TwinlogTraining", "WarehouseConsumer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "CLI/Bench"),
        // The command-line tool.
        .executableTarget(name: "TwinlogCLI", dependencies: [
            "Crawlers", "FeatureConsumer", "IndexConsumer", "TrainingConsumer", "TwinlogApp", "TwinlogAsk",
            "TwinlogCommandSupport", "TwinlogConfig", "TwinlogEmbedding", "TwinlogEvents", "TwinlogFuzz", "TwinlogGateway",
            "TwinlogGeneration", "TwinlogHTML", "TwinlogIndex", "TwinlogKafka", "TwinlogKafkaEvents", "TwinlogMetrics",
            "TwinlogPostgres", "TwinlogRAG", "TwinlogRuntime", "TwinlogSink", "TwinlogText", "TwinlogTraining",
            "WarehouseConsumer", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "CLI", exclude: ["App", "Bench", "Shared"]),

        // Tests: pure logic (no services) and integration (real broker, real PostgreSQL).
        // What every test target shares: the local services, per-test namespaces, unique names, waiting.
        .target(name: "TwinlogTestSupport", dependencies: [
            "TwinlogEvents", "TwinlogKafka", "TwinlogKafkaEvents", "TwinlogPostgres", "TwinlogRuntime", "TwinlogSink",
        ], path: "Tests/Support"),
        .testTarget(name: "CoreTests", dependencies: [
            "TwinlogTestSupport", "TwinlogCompression", "TwinlogConfig", "TwinlogDataset", "TwinlogDrift", "TwinlogEvents",
            "TwinlogHTML", "TwinlogKafka", "TwinlogKafkaEvents", "TwinlogLinalg", "TwinlogMetrics", "TwinlogPostgres",
            "TwinlogRuntime", "TwinlogSchemas", "TwinlogSink", "TwinlogText", "TwinlogTraining",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Tests/CoreTests"),
        .testTarget(name: "IntegrationTests", dependencies: [
            "TwinlogTestSupport", "CDCConsumer", "TwinlogEvents", "TwinlogKafka", "TwinlogKafkaEvents", "TwinlogMetrics",
            "TwinlogPostgres", "TwinlogRuntime", "TwinlogSink", "TwinlogText", "WarehouseConsumer",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Tests/IntegrationTests"),
        .testTarget(name: "EmbeddingTests", dependencies: [
            "TwinlogTestSupport", "TwinlogEmbedding", "TwinlogText",
        ], path: "Tests/EmbeddingTests", resources: [.copy("Fixtures")]),
        .testTarget(name: "CrawlerTests", dependencies: [
            "TwinlogTestSupport", "Crawlers", "TwinlogEvents", "TwinlogHTML", "TwinlogKafka", "TwinlogKafkaEvents",
            "TwinlogPostgres", "TwinlogRuntime", "TwinlogText", .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "Logging", package: "swift-log"),
        ], path: "Tests/CrawlerTests", resources: [.copy("Fixtures")]),
        .testTarget(name: "PipelineTests", dependencies: [
            "TwinlogTestSupport", "CDCConsumer", "DriftConsumer", "FeatureConsumer", "IndexConsumer", "TrainingConsumer",
            "TwinlogDataset", "TwinlogDrift", "TwinlogEmbedding", "TwinlogEvents", "TwinlogGeneration", "TwinlogIndex",
            "TwinlogKafka", "TwinlogKafkaEvents", "TwinlogMetrics", "TwinlogPostgres", "TwinlogRuntime", "TwinlogSink",
            "TwinlogText", "TwinlogTraining", "WarehouseConsumer",
        ], path: "Tests/PipelineTests"),
        .testTarget(name: "InferenceTests", dependencies: [
            "TwinlogTestSupport", "InferenceConsumer", "TwinlogAsk", "TwinlogEmbedding", "TwinlogEvents", "TwinlogGateway",
            "TwinlogGeneration", "TwinlogIndex", "TwinlogKafka", "TwinlogKafkaEvents", "TwinlogLinalg", "TwinlogMetrics",
            "TwinlogRAG", "TwinlogRuntime", "TwinlogSink", "TwinlogText",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Hummingbird", package: "hummingbird"), .product(name: "NIOHTTP1", package: "swift-nio"),
        ], path: "Tests/InferenceTests"),
        .testTarget(name: "EndToEndTests", dependencies: [
            "TwinlogTestSupport", "Crawlers", "IndexConsumer", "TrainingConsumer", "TwinlogApp", "TwinlogAsk",
            "TwinlogConfig", "TwinlogEmbedding", "TwinlogEvents", "TwinlogIndex", "TwinlogKafka", "TwinlogKafkaEvents",
            "TwinlogMetrics", "TwinlogRAG",
        ], path: "Tests/EndToEndTests"),
        .testTarget(name: "IndexTests", dependencies: [
            "TwinlogTestSupport", "TwinlogIndex", "TwinlogRuntime",
        ], path: "Tests/IndexTests"),
        .testTarget(name: "GenerationTests", dependencies: [
            "TwinlogTestSupport", "TwinlogGeneration", "TwinlogLayers",
        ], path: "Tests/GenerationTests", resources: [.copy("Fixtures")]),
        .testTarget(name: "FuzzTests", dependencies: [
            "TwinlogTestSupport", "TwinlogFuzz", "TwinlogRuntime",
        ], path: "Tests/FuzzTests"),
        .testTarget(name: "TrainingTests", dependencies: [
            "TwinlogTestSupport", "TwinlogEmbedding", "TwinlogGeneration", "TwinlogLayers", "TwinlogRuntime",
            "TwinlogTraining", .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Tests/TrainingTests", resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v6]
)

// Every Swift module sees only the members of the modules it imports itself, so a file's imports
// (and with them each target's declared dependencies) name what it really uses.
for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + [.enableUpcomingFeature("MemberImportVisibility")]
}
