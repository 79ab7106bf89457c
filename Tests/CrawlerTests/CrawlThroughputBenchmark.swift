import Foundation
import Testing
import TwinlogEvents
import TwinlogRuntime
import Crawlers

/// Crawl throughput on a local repository of 5,000 files, into the real broker and PostgreSQL.
/// A measurement, not a test: it runs only when TWINLOG_BENCH_CRAWL is set, prints documents/s
/// and asserts only that every file was captured.
///
///     TWINLOG_BENCH_CRAWL=1 swift test --skip-build --filter CrawlThroughputBenchmark
@Suite("Crawl throughput", .enabled(if: ProcessInfo.processInfo.environment["TWINLOG_BENCH_CRAWL"] != nil))
struct CrawlThroughputBenchmark {
    @Test("a 5,000-file repository: first crawl, unchanged re-crawl, 50 files changed")
    func fiveThousandFiles() async throws {
        let repo = try RepositoryCrawlTests.Repository()
        defer { try? FileManager.default.removeItem(atPath: repo.path) }
        let kinds = ["md", "swift", "py", "go", "ts"]
        for index in 0..<5000 {
            let kind = kinds[index % kinds.count]
            let lines = (0..<(40 + index % 80)).map { "line \($0) of file \(index): the quick brown fox jumps over the lazy dog, again and again." }
            try repo.write("module\(index / 100)/file\(index).\(kind)", lines.joined(separator: "\n") + "\n")
        }
        _ = try repo.commit("5,000 files")
        let services = try await CrawlServices.start("bench")
        let options = CrawlServices.testOptions(cache: repo.path + "-cache")
        let target = CrawlTarget(location: repo.path, authorName: "Bench Author")

        let first = await services.crawl([target], options: options)
        #expect(first.stats.captured == 5000)
        let unchanged = await services.crawl([target], options: options)
        #expect(unchanged.stats.emitted == 0)
        for index in stride(from: 0, to: 5000, by: 100) {
            try repo.write("module\(index / 100)/file\(index).\(kinds[index % kinds.count])", "changed \(index)\n")
        }
        _ = try repo.commit("50 changed")
        let changed = await services.crawl([target], options: options)
        #expect(changed.stats.captured == 50)
        print(String(format: "crawl throughput: first crawl %d documents in %.2f s = %.0f documents/s; unchanged re-crawl %.2f s; 50 changed files %.2f s",
                     first.stats.captured, first.seconds, Double(first.stats.captured) / first.seconds, unchanged.seconds, changed.seconds))
        await services.close()
    }
}
