import TwinlogEvents
import TwinlogPostgres

extension TwinlogConfiguration {
    /// The topic names these settings select (every name carries `topicPrefix`).
    public var topics: TopicCatalogue { TopicCatalogue(prefix: topicPrefix) }

    /// The prefix of the topics the inference consumer may reply to: `replyTopicPrefix`, or the
    /// catalogue's reply topic.
    public var allowedReplyTopicPrefix: String { replyTopicPrefix ?? topics.replies }

    /// The PostgreSQL connection these settings describe: the warehouse URL, its schema as the
    /// search path, and `requestTimeout` as the bound on connecting and reconnecting.
    public var database: PostgresConnection.Options {
        var options = PostgresConnection.Options(url: databaseURL, searchPath: databaseSchema)
        options.connectTimeout = .milliseconds(Int(requestTimeout * 1000))
        options.reconnectFor = .milliseconds(Int(requestTimeout * 1000))
        return options
    }
}
