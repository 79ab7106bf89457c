import Foundation
import Testing
import TwinlogEmbedding
import TwinlogGeneration
import TwinlogIndex
@testable import TwinlogRAG

@Suite("self-query by the language model")
struct ModelSelfQueryTests {
    static let authors = ["ada-lovelace", "alan-turing", "grace-hopper"]

    @Test("the model's JSON is read field by field; unknown values are dropped; no JSON object means no answer")
    func parse() {
        let full = ModelSelfQuery.parse(#" {"author": "grace-hopper", "platform": "LinkedIn", "kind": "post"} trailing"#, authorIds: Self.authors)
        #expect(full?.authorId == "grace-hopper" && full?.platform == "linkedin" && full?.kind == "post")
        let spaced = ModelSelfQuery.parse(#"{"author": "Ada Lovelace", "platform": null, "kind": "repository_file""#, authorIds: Self.authors)
        #expect(spaced?.authorId == "ada-lovelace" && spaced?.platform == nil && spaced?.kind == "repository_file")
        let invented = ModelSelfQuery.parse(#"{"author": "charles-babbage", "platform": "myspace", "kind": 3}"#, authorIds: Self.authors)
        #expect(invented != nil && invented?.authorId == nil && invented?.platform == nil && invented?.kind == nil)
        #expect(ModelSelfQuery.parse("I think it is Grace.", authorIds: Self.authors) == nil)
        #expect(ModelSelfQuery.parse("{not json", authorIds: Self.authors) == nil)
    }

    @Test("with the real SmolLM2 every filter it returns is a known value, and the retriever searches with it")
    func realModel() async throws {
        // Float32 weights: the debug build runs them in BLAS, where quantized kernels crawl.
        let model = ModelSelfQuery(generator: try Generator(path: ModelLocator.generatorPath(), format: .float32))
        let questions = ["What does Alan Turing write on Medium about logs?", "Where was the moth found?"]
        for question in questions {
            let extraction = try model.extract(question, authorIds: Self.authors)
            #expect(extraction.authorId.map(Self.authors.contains) ?? true)
            #expect(extraction.platform.map(ModelSelfQuery.platforms.contains) ?? true)
            #expect(extraction.kind.map(ModelSelfQuery.kinds.contains) ?? true)
            print("\(question) → \(extraction)")
        }
        let index = try await Corpus.index()
        var options = RetrievalOptions()
        options.selfQueryModel = true
        let embedder = try Corpus.embedder.get()
        let retriever = Retriever(index: index, options: options, selfQueryModel: model) { await embedder.embed($0) }
        let question = questions[0]
        let expected = try model.extract(question, authorIds: index.authorIds)
        let retrieval = try await retriever.retrieve(RetrievalRequest(question: question, k: 3))
        #expect(retrieval.filter.authorIds == expected.authorId.map { [$0] })
        #expect(retrieval.filter.platforms == expected.platform.map { [$0] })
    }
}
