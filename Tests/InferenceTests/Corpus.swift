import Foundation
import Testing
import TwinlogEmbedding
import TwinlogGeneration
import TwinlogIndex

/// A small corpus written for these tests: three authors on several platforms, each chunk about
/// one distinct thing, indexed with the real all-MiniLM-L6-v2 embedder.
enum Corpus {
    struct Chunk {
        let id: String
        let author: String
        let platform: String
        let kind: String
        let title: String
        let text: String
        /// The year the chunk's document was published (dated 1 June of it).
        let year: Int
    }

    static let chunks: [Chunk] = [
        Chunk(id: "c-ada-kafka", author: "ada-lovelace", platform: "medium", kind: "article", title: "Consumer lag in practice",
              text: "When consumer lag grows I first check whether the partitions are balanced, then raise max.poll.records so each batch does more work per round trip.", year: 2023),
        Chunk(id: "c-ada-pg", author: "ada-lovelace", platform: "linkedin", kind: "post", title: "Why I keep offsets in PostgreSQL",
              text: "I store consumer offsets in the same PostgreSQL transaction as the rows they produced, so a crash can never apply a batch twice.", year: 2024),
        Chunk(id: "c-ada-garden", author: "ada-lovelace", platform: "linkedin", kind: "post", title: "Weekend",
              text: "Spent the weekend planting tomatoes and basil; the raised beds finally drain properly after I added gravel.", year: 2024),
        Chunk(id: "c-ada-hnsw", author: "ada-lovelace", platform: "github", kind: "repository_file", title: "index/README.md",
              text: "The vector index is an HNSW graph with M of 16 and efConstruction of 200; snapshots store the offsets they reflect.", year: 2025),
        Chunk(id: "c-grace-cobol", author: "grace-hopper", platform: "medium", kind: "article", title: "Compilers for everyone",
              text: "A compiler lets people write programs in words close to English instead of machine code, which is why I built one.", year: 2022),
        Chunk(id: "c-grace-nano", author: "grace-hopper", platform: "linkedin", kind: "post", title: "A nanosecond",
              text: "I hand out pieces of wire about thirty centimetres long to show how far light travels in a nanosecond.", year: 2023),
        Chunk(id: "c-grace-kafka", author: "grace-hopper", platform: "linkedin", kind: "post", title: "Partitions",
              text: "Adding partitions to a Kafka topic lets more consumers in the group share the load, but ordering only holds within a partition.", year: 2025),
        Chunk(id: "c-grace-bug", author: "grace-hopper", platform: "article", kind: "article", title: "The first bug",
              text: "We found a moth stuck in a relay of the Mark II and taped it into the logbook as the first actual case of a bug being found.", year: 2021),
        Chunk(id: "c-alan-turing-test", author: "alan-turing", platform: "medium", kind: "article", title: "The imitation game",
              text: "Instead of asking whether machines can think, ask whether a machine can play the imitation game well enough to fool an interrogator.", year: 2022),
        Chunk(id: "c-alan-run", author: "alan-turing", platform: "linkedin", kind: "post", title: "Marathon training",
              text: "Ran forty kilometres this morning; long runs clear my head better than anything else before a hard proof.", year: 2024),
        Chunk(id: "c-alan-morph", author: "alan-turing", platform: "github", kind: "repository_file", title: "morphogenesis/README.md",
              text: "This repository simulates reaction-diffusion equations that produce the spots and stripes seen on animal coats.", year: 2023),
        Chunk(id: "c-alan-kafka", author: "alan-turing", platform: "medium", kind: "article", title: "Logs as the source of truth",
              text: "Treat the Kafka log as the source of truth and every database as a view you can rebuild by replaying it from the start.", year: 2025),
    ]

    static let embedder: Result<Embedder, any Error> = Result {
        do {
            return try Embedder(modelDirectory: EmbedderModelLocator.locate())
        } catch {
            Issue.record("the inference tests need the real embedder weights: \(error)")
            throw error
        }
    }

    static let generator: Result<Generator, any Error> = Result {
        do {
            return try Generator(path: ModelLocator.generatorPath())
        } catch {
            Issue.record("the inference tests need the real SmolLM2 weights: \(error)")
            throw error
        }
    }

    /// Midnight UTC of a calendar day.
    static func utc(_ year: Int, _ month: Int = 1, _ day: Int = 1) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: DateComponents(year: year, month: month, day: day))!
    }

    /// 1 June of a year, midnight UTC.
    static func juneFirst(_ year: Int) -> Date { utc(year, 6) }

    /// A fresh index holding the corpus.
    static func index() async throws -> VectorIndex {
        let embedder = try embedder.get()
        let index = try VectorIndex(configuration: IndexConfiguration(dimension: embedder.dimension))
        let vectors = await embedder.embed(chunks.map { "\($0.title)\n\($0.text)" })
        for (chunk, vector) in zip(chunks, vectors) {
            try index.upsert(key: chunk.id, vector: vector, payload: ChunkPayload(
                authorId: chunk.author, platform: chunk.platform, kind: chunk.kind, documentId: "doc-" + chunk.id,
                title: chunk.title, url: "https://example.test/\(chunk.id)", text: chunk.text, documentDate: juneFirst(chunk.year)))
        }
        return index
    }
}
