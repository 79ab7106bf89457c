import Logging
import ServiceLifecycle
import TwinlogIndex
import UnixSignals

/// Consumers running as the services of one `ServiceGroup` in this process. A graceful shutdown
/// (SIGTERM or SIGINT when the process handles signals, or `shutdown()`) stops the services in
/// reverse start order, each finishing its batch in flight: stop fetching, apply and commit,
/// leave the group, close the connections. A service that fails shuts the others down the same
/// way, and `run()` throws its error.
public final class ConsumerProcess: Sendable {
    /// The started components, by name.
    private let components: [String: StartedComponent]
    private let group: ServiceGroup

    /// Starts `selected` in order. `extra` services (a metrics writer) start first and stop
    /// last. With `handleSignals`, SIGTERM and SIGINT begin a graceful shutdown;
    /// `maximumShutdown` bounds it, after which the services are cancelled (their batch in flight
    /// is then redone by the next run, which the sinks' stored offsets make harmless).
    public init(_ selected: [ConsumerComponent], settings: ProcessSettings, extra: [any Service] = [], handleSignals: Bool,
                maximumShutdown: Duration? = nil, logger: Logger = Logger(label: "twinlog.run")) async throws {
        var started: [String: StartedComponent] = [:]
        var services = extra.map { Self.configuration($0, name: "\(type(of: $0))") }
        for component in selected {
            do {
                let one = try await component.start(settings)
                started[component.name] = one
                services += one.services.map { Self.configuration($0, name: "\(component.name)/\(type(of: $0))") }
            } catch {
                // Close what already started: a group shut down before it runs starts each service
                // only to stop it at once, which releases its connections.
                let partial = ServiceGroup(configuration: ServiceGroupConfiguration(services: services, logger: logger))
                await partial.triggerGracefulShutdown()
                try? await partial.run()
                throw error
            }
        }
        var configuration = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [],
                                                      logger: logger)
        configuration.maximumGracefulShutdownDuration = maximumShutdown
        components = started
        group = ServiceGroup(configuration: configuration)
    }

    /// Any service that ends, normally or not, shuts the others down gracefully.
    private static func configuration(_ service: any Service, name: String) -> ServiceGroupConfiguration.ServiceConfiguration {
        ServiceGroupConfiguration.ServiceConfiguration(service: service, successTerminationBehavior: .gracefullyShutdownGroup,
                                                       failureTerminationBehavior: .gracefullyShutdownGroup, serviceName: name)
    }

    /// The index a started component maintains or serves from.
    public func index(of component: String) -> VectorIndex? { components[component]?.index }

    /// Runs every service until a graceful shutdown completes or a service fails.
    public func run() async throws { try await group.run() }

    /// Begins a graceful shutdown and returns at once; `run()` returns when it is complete.
    public func shutdown() async { await group.triggerGracefulShutdown() }
}
