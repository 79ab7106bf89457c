import Foundation
import Testing
import TwinlogEvents
import Crawlers
import TwinlogTestSupport

/// A LinkedIn data export crawled twice: what disappears from the newer export is removed.
@Suite("LinkedIn export crawl")
struct ExportCrawlTests {
    @Test("a post missing from a newer export produces DocumentRemoved; the rest emits nothing")
    func removedPost() async throws {
        let folder = temporaryPath("export")
        try FileManager.default.copyItem(atPath: Fixtures.url("linkedin-export").path, toPath: folder)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let services = try await CrawlServices.start("export")
        let options = CrawlServices.testOptions(cache: folder + "-cache")
        let target = CrawlTarget(location: folder, authorName: "Jane Doe")
        #expect(target.platform == .linkedin)

        let first = await services.crawl([target], options: options)
        #expect(first.failures.isEmpty)
        #expect(first.stats.captured == 3)

        // The newer export lacks the "Three lessons" post.
        let shares = try String(contentsOfFile: folder + "/Shares.csv", encoding: .utf8)
        let kept = shares.components(separatedBy: "\n").enumerated().filter { !(1...4).contains($0.offset) }.map(\.element)
        try kept.joined(separator: "\n").write(toFile: folder + "/Shares.csv", atomically: true, encoding: .utf8)
        let second = await services.crawl([target], options: options)
        #expect(second.failures.isEmpty)
        #expect(second.stats.captured == 0)
        #expect(second.stats.removed == 1)
        #expect(second.stats.unchanged == 2)

        let events = try EmittedEvents(Array(try await services.emittedSoFar().dropFirst(3)))
        let lessons = EventIDs.documentId(url: "https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A7240000000000000001")
        #expect(events.captured.isEmpty)
        #expect(events.removed.map(\.documentId) == [lessons])
        #expect(events.removed.first?.authorId == "jane-doe")
        #expect(events.removed.first?.reason == "no longer in the LinkedIn export")
        await services.close()
    }
}
