import Foundation
import Testing
import TwinlogIndex

/// Many searches run while one writer inserts, updates and deletes. Run under Thread Sanitizer
/// (`swift test --sanitize=thread --filter IndexTests`) to check the locking, not only the results.
@Suite("Concurrent reads and writes")
struct ConcurrencyTests {
    @Test("searches concurrent with one writer always see a consistent index")
    func readersAndWriter() throws {
        let dimension = 16
        let vectors = TestVectors.random(count: 3_000, dimension: dimension, seed: 51)
        let index = try TestVectors.build(Array(vectors[..<1_500]), configuration: IndexConfiguration(
            dimension: dimension, m: 8, efConstruction: 40, efSearch: 32, exactSearchThreshold: 100))
        let readers = 3
        let filter = SearchFilter(platforms: ["github", "medium"])
        let problems = ProblemLog()

        // Real threads rather than concurrentPerform, which may run the workers one after another
        // on a two-core machine.
        let done = DispatchGroup()
        for worker in 0...readers {
            done.enter()
            Thread.detachNewThread {
                defer { done.leave() }
                work(worker)
            }
        }
        done.wait()

        @Sendable func work(_ worker: Int) {
            if worker == readers {
                // The writer: new points, updates of old ones, deletes (whose slots the next inserts reuse).
                for step in 0..<1_500 {
                    let row = 1_500 + step
                    do {
                        try index.upsert(key: TestVectors.key(row), vector: vectors[row], payload: TestVectors.payload(row))
                        if step % 3 == 0 { index.delete(key: TestVectors.key(step)) }
                        if step % 5 == 0 {
                            try index.upsert(key: TestVectors.key(step + 1), vector: vectors[2_999 - step],
                                             payload: TestVectors.payload(step + 1))
                        }
                    } catch {
                        problems.record("write \(step): \(error)")
                    }
                }
                return
            }
            for round in 0..<300 {
                let query = vectors[(worker * 997 + round * 31) % vectors.count]
                do {
                    let hits = try index.search(query, k: 10, filter: round % 2 == 0 ? .none : filter)
                    if hits.count != 10 { problems.record("reader \(worker) got \(hits.count) hits") }
                    if Set(hits.map(\.key)).count != hits.count { problems.record("duplicate hits") }
                    if zip(hits, hits.dropFirst()).contains(where: { $0.score < $1.score }) {
                        problems.record("hits out of order")
                    }
                    for hit in hits where round % 2 == 1 && !filter.matches(hit.payload) {
                        problems.record("\(hit.key) breaks the filter")
                    }
                    for hit in hits where hit.payload.title != "Title \(hit.key.dropFirst(6))" {
                        problems.record("\(hit.key) came back with the payload of \(hit.payload.title)")
                    }
                } catch {
                    problems.record("search: \(error)")
                }
            }
        }

        #expect(problems.entries.isEmpty, "\(problems.entries.prefix(5))")
        #expect(index.count == 3_000 - 500)
        for row in stride(from: 1, to: 3_000, by: 37) where index.contains(key: TestVectors.key(row)) {
            // Updates copied some vectors onto a second key, so look for the key among the ties.
            let stored = index.vector(for: TestVectors.key(row))!
            #expect(try index.exactSearch(stored, k: 2).contains { $0.key == TestVectors.key(row) })
        }
    }
}

/// Collects failures from worker threads (Swift Testing's #expect is not for detached threads).
final class ProblemLog: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []

    func record(_ problem: String) { lock.withLock { list.append(problem) } }

    var entries: [String] { lock.withLock { list } }
}
