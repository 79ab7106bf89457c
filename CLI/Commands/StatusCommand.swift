import ArgumentParser
import Foundation
import TwinlogCommandSupport
import TwinlogConfig
import TwinlogEvents
import TwinlogKafka
import TwinlogKafkaEvents
import TwinlogPostgres

/// Shows whether the broker and PostgreSQL answer, the topics, and how far each consumer lags.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status",
                                                    abstract: "Broker, PostgreSQL, topics and consumer lag.")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let config = try global.load()
        var healthy = true
        var ends: [TopicPartition: Int64] = [:]

        print("broker      \(config.brokers) (librdkafka \(librdkafkaVersion))")
        do {
            let admin = try KafkaAdmin(configuration: config.kafka)
            let topics = try await admin.listTopics().filter { $0.name.hasPrefix(config.topicPrefix) }
            print("            reachable, \(topics.count) topics")
            for topic in topics {
                let offsets = try await admin.endOffsets(topic: topic.name)
                ends.merge(offsets) { $1 }
                let total = offsets.values.reduce(0, +)
                print("  \(topic.name.padding(toLength: 40, withPad: " ", startingAt: 0)) \(topic.partitions) partitions, \(total) records")
            }
            for group in try await admin.listGroups() {
                let committed = try await admin.committedOffsets(group: group)
                let lag = committed.reduce(Int64(0)) { $0 + max(0, (ends[$1.key] ?? $1.value) - $1.value) }
                print("  group \(group): lag \(lag) (offsets in Kafka)")
            }
            await admin.close()
        } catch {
            healthy = false
            print("            UNREACHABLE: \(error)")
        }

        print("postgresql  \(PostgresConnection.redacted(config.databaseURL))\(config.databaseSchema.map { " schema \($0)" } ?? "")")
        do {
            let db = try await PostgresConnection.connect(config.database)
            let version = try await db.query("SHOW server_version").first?.decode(String.self, "server_version") ?? "?"
            let walLevel = try await db.query("SHOW wal_level").first?.decode(String.self, "wal_level") ?? "?"
            print("            reachable, PostgreSQL \(version), wal_level=\(walLevel)")
            let migrated = try await db.query("SELECT to_regclass('consumer_offsets') IS NOT NULL AS present").first?.decode(Bool.self, "present") ?? false
            if migrated {
                for table in ["authors", "documents", "document_versions"] {
                    let count = try await db.query("SELECT count(*) AS n FROM \(identifier: table)").first?.decode(Int.self, "n") ?? 0
                    print("  \(table.padding(toLength: 20, withPad: " ", startingAt: 0)) \(count) rows")
                }
                var lagByConsumer: [String: Int64] = [:]
                for row in try await db.query("SELECT consumer, topic, partition, next_offset FROM consumer_offsets") {
                    let tp = TopicPartition(try row.decode(String.self, "topic"), try row.decode(Int32.self, "partition"))
                    let next = try row.decode(Int64.self, "next_offset")
                    lagByConsumer[try row.decode(String.self, "consumer"), default: 0] += max(0, (ends[tp] ?? next) - next)
                }
                for (consumer, lag) in lagByConsumer.sorted(by: { $0.key < $1.key }) {
                    print("  consumer \(consumer): lag \(lag) (offsets in PostgreSQL)")
                }
            } else {
                print("  warehouse not migrated yet")
            }
            try await printReplicationSlots(db)
            await db.close()
        } catch {
            healthy = false
            print("            UNREACHABLE: \(error)")
        }
        if !healthy { throw ExitCode(2) }
    }

    /// The CDC relay's lag as PostgreSQL sees it: WAL written since the position each logical slot
    /// confirmed (the relay confirms only what the broker acknowledged), and the walsender's
    /// flush lag while a relay is connected. PostgreSQL holds this WAL until the slot moves on.
    private func printReplicationSlots(_ db: PostgresConnection) async throws {
        let slots = try await db.query("""
            SELECT s.slot_name, s.active,
                   coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn), 0)::bigint AS lag_bytes,
                   coalesce(extract(epoch FROM r.flush_lag), 0)::float8 AS flush_lag_seconds
            FROM pg_replication_slots s
            LEFT JOIN pg_stat_replication r ON r.pid = s.active_pid
            WHERE s.slot_type = 'logical' AND s.database = current_database()
            ORDER BY s.slot_name
            """)
        for slot in slots {
            let name = try slot.decode(String.self, "slot_name")
            let bytes = try slot.decode(Int64.self, "lag_bytes")
            let state = try slot.decode(Bool.self, "active")
                ? String(format: "relay connected, flush lag %.3f s", try slot.decode(Double.self, "flush_lag_seconds"))
                : "no relay connected"
            print("  slot \(name): \(bytes) bytes of WAL behind; \(state)")
        }
    }
}

/// Creates and lists Twinlog's topics.
struct TopicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "topics", abstract: "Create or list topics.",
                                                    subcommands: [Create.self, List.self])

    /// Creates every topic of the catalogue (existing ones are left as they are).
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create every Twinlog topic that does not exist yet.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Partitions of the keyed topics.") var partitions: Int32 = 4

        func run() async throws {
            let config = try global.load()
            let catalogue = TopicCatalogue(prefix: config.topicPrefix, partitions: partitions)
            let admin = try KafkaAdmin(configuration: config.kafka)
            try await admin.createTopics(catalogue.specs)
            await admin.close()
            for spec in catalogue.specs {
                let configs = spec.configs.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                print("\(spec.name.padding(toLength: 40, withPad: " ", startingAt: 0)) \(spec.partitions) partitions  \(configs)")
            }
        }
    }

    /// Lists the cluster's topics.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the cluster's topics with partitions and record counts.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let config = try global.load()
            let admin = try KafkaAdmin(configuration: config.kafka)
            for topic in try await admin.listTopics() {
                let records = try await admin.endOffsets(topic: topic.name).values.reduce(0, +)
                print("\(topic.name.padding(toLength: 40, withPad: " ", startingAt: 0)) \(topic.partitions) partitions  \(records) records")
            }
            await admin.close()
        }
    }
}

/// Prints the configuration reference or the effective configuration.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "config", abstract: "Show configuration keys or the effective settings.",
                                                    subcommands: [Keys.self, Show.self])

    /// Every key with its environment variable, flag and expected form.
    struct Keys: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every configuration key.")
        func run() {
            print("| file key | environment | flag | form | what |")
            print("|---|---|---|---|---|")
            for key in TwinlogConfiguration.keys {
                let flag = GlobalOptions.flagKeys.contains(key.name) ? "`--\(TwinlogConfiguration.flagName(key.name))`" : "—"
                let form = key.form.replacingOccurrences(of: "|", with: "\\|")
                print("| `\(key.name)` | `\(key.environment)` | \(flag) | \(form) | \(key.summary) |")
            }
        }
    }

    /// The effective settings after flags, environment and file.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the effective settings (passwords hidden).")
        @OptionGroup var global: GlobalOptions
        func run() throws {
            let config = try global.load()
            print("brokers          \(config.brokers)")
            print("databaseUrl      \(PostgresConnection.redacted(config.databaseURL))")
            print("databaseSchema   \(config.databaseSchema ?? "(server default)")")
            print("topicPrefix      \(config.topicPrefix.isEmpty ? "(none)" : config.topicPrefix)")
            print("securityProtocol \(config.securityProtocol ?? "plaintext")")
            print("requestTimeout   \(config.requestTimeout) s")
            print("logLevel         \(config.logLevel)")
        }
    }
}
