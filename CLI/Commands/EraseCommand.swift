import ArgumentParser
import Foundation
import TwinlogCommandSupport
import TwinlogConfig
import TwinlogEvents
import TwinlogKafka
import TwinlogKafkaEvents

/// `twinlog erase --author NAME | --author-id ID`: an erasure request. Publishes AuthorErased to
/// `twin.documents`; the warehouse deletes the author's documents and keeps the id as a
/// suppression list, and the deletion flows through CDC to the chunks and every index replica.
struct EraseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erase", abstract: "Erase an author from every view (publishes AuthorErased to twin.documents).")

    @OptionGroup var global: GlobalOptions
    @Option(help: "The author's name, as crawled (the id is derived from it as the crawlers derive it).")
    var author: String?
    @Option(name: .customLong("author-id"), help: "The author's id (as in the warehouse's authors table).")
    var authorId: String?
    @Option(help: "Why, kept with the event.")
    var reason = "erasure request"

    func validate() throws {
        guard (author == nil) != (authorId == nil) else { throw ValidationError("give exactly one of --author or --author-id") }
    }

    func run() async throws {
        let config = try global.load()
        let id = authorId ?? EventIDs.authorId(name: author ?? "")
        let producer = try KafkaProducer(configuration: config.kafka)
        let report: DeliveryReport
        do {
            report = try await producer.send(EventCodec.record(AuthorErased(authorId: id, reason: reason, requestedAt: Date()),
                                                               topic: config.topics.documents, source: "twinlog/cli"))
        } catch {
            await producer.shutdown()
            throw error
        }
        await producer.shutdown()
        print("AuthorErased \(id) → \(report.topic)[\(report.partition)] offset \(report.offset)")
        print("The warehouse deletes the author's documents; CDC carries the deletes to twin.chunks and every index replica.")
    }
}
