import Foundation
import ServiceLifecycle
import TwinlogIndex

/// One consumer that `twinlog run --only …` (and the demo) can start: its name, a line for the
/// help, and how it becomes services from the process's settings. Each component lives in a file
/// of its own (`Components/`); adding a consumer is one such file and one entry in `all`.
public struct ConsumerComponent: Sendable {
    public let name: String
    public let summary: String
    private let build: @Sendable (ProcessSettings) async throws -> StartedComponent

    init(name: String, summary: String, build: @escaping @Sendable (ProcessSettings) async throws -> StartedComponent) {
        self.name = name
        self.summary = summary
        self.build = build
    }

    /// Connects the component (joins groups, applies migrations, loads models) and returns its services.
    public func start(_ settings: ProcessSettings) async throws -> StartedComponent { try await build(settings) }

    /// Every component, in the order they start; a graceful shutdown stops them in reverse order
    /// (the answering side first, the warehouse last).
    public static let all: [ConsumerComponent] = [.warehouse, .cdc, .features, .index, .drift, .training, .inference]

    /// The components named in a comma-separated list, in start order.
    public static func named(_ list: String) throws(UnknownConsumer) -> [ConsumerComponent] {
        let names = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for name in names where !all.contains(where: { $0.name == name }) { throw UnknownConsumer(name: name) }
        return all.filter { names.contains($0.name) }
    }
}

/// A started component: the services to run, and the vector index it maintains or serves from
/// (the index component's snapshot-backed index, the inference consumer's replica).
public struct StartedComponent: Sendable {
    public var services: [any Service]
    public var index: VectorIndex?

    public init(services: [any Service], index: VectorIndex? = nil) {
        self.services = services
        self.index = index
    }
}

/// A name that no component has.
public struct UnknownConsumer: Error, CustomStringConvertible {
    public let name: String
    public var description: String {
        "unknown consumer \(name); available: \(ConsumerComponent.all.map(\.name).joined(separator: ", "))"
    }
}
