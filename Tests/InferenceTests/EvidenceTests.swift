import Testing
import TwinlogIndex
@testable import TwinlogRAG

@Suite("evidence quotes and the answer support check")
struct EvidenceTests {
    static func payload(_ title: String, _ text: String, kind: String = "repository_file") -> ChunkPayload {
        ChunkPayload(authorId: "a", platform: "github", kind: kind, documentId: "d-" + title, title: title, url: "https://example.test/" + title,
                     text: text)
    }

    static let config = payload("recipes/zephyr/sft/config_qlora.yaml", """
        model_name_or_path: mistralai/Mistral-7B-v0.1
        load_in_4bit: true
        lora_r: 16
        lora_alpha: 16
        lora_dropout: 0.05
        learning_rate: 2.0e-04
        num_train_epochs: 1
        """)
    static let readme = payload("README.md", """
        # Training

        The recipes fine-tune Mistral with QLoRA on a single GPU. Each run logs to Weights and Biases. \
        The DPO step starts from the SFT checkpoint.
        """)

    @Test("evidence for a configuration question is the line itself, quoted verbatim with its source number")
    func configurationLine() async throws {
        let embedder = try Corpus.embedder.get()
        let quotes = try await EvidenceSelector().select(question: "What LoRA dropout does the QLoRA recipe use?", answer: nil,
                                                          sources: [Self.readme, Self.config]) { await embedder.embed($0) }
        let first = try #require(quotes.first)
        #expect(first.source == 2)
        #expect(first.text == "lora_dropout: 0.05")
        let rate = try await EvidenceSelector().select(question: "Which learning rate is set?", answer: nil,
                                                        sources: [Self.readme, Self.config]) { await embedder.embed($0) }
        #expect(rate.first?.text == "learning_rate: 2.0e-04")
        #expect(quotes.count <= 3)
        for quote in quotes {
            #expect((1...2).contains(quote.source))
            #expect([Self.readme, Self.config][quote.source - 1].text.contains(quote.text), "verbatim: \(quote.text)")
        }
    }

    @Test("prose is quoted by sentence, the answer's words count, and unrelated sources give nothing")
    func proseSentence() async throws {
        let embedder = try Corpus.embedder.get()
        let selector = EvidenceSelector()
        let quotes = try await selector.select(question: "Where does the DPO step start?", answer: "From the SFT checkpoint.",
                                               sources: [Self.readme]) { await embedder.embed($0) }
        #expect(quotes.first?.text == "The DPO step starts from the SFT checkpoint.")
        let none = try await selector.select(question: "Which bird sings at dawn?", answer: nil,
                                             sources: [Self.config]) { await embedder.embed($0) }
        #expect(none.isEmpty)
    }

    @Test("a long unit is cut at a word boundary and stays a verbatim substring")
    func longUnitsAreCut() {
        var selector = EvidenceSelector()
        selector.maxQuoteLength = 20
        let text: Substring = "alpha beta gamma delta epsilon"
        let cut = selector.cut(text)
        #expect(cut == "alpha beta gamma")
        #expect(text.contains(cut))
    }

    @Test("an invented number or identifier makes an answer unsupported; one that restates the sources is supported")
    func supportCheck() {
        let support = AnswerSupport()
        let sources = [Self.config.text, Self.readme.text]
        let question = "What LoRA rank does the QLoRA recipe use?"
        let good = support.check(answer: "The recipe sets lora_r to 16 with QLoRA.", question: question, sources: sources)
        #expect(good.supported, "\(good)")
        let invented = support.check(answer: "The recipe sets lora_r to 64.", question: question, sources: sources)
        #expect(!invented.supported)
        #expect(invented.unsupportedTerms == ["64"])
        let renamed = support.check(answer: "It sets lora_rank_size to 16.", question: question, sources: sources)
        #expect(renamed.unsupportedTerms.contains("lora_rank_size"))
        let offTopic = support.check(answer: "Bananas ripen quickly in warm kitchens near windows.", question: question, sources: sources)
        #expect(!offTopic.supported && offTopic.unsupportedTerms.isEmpty)
    }

    @Test("citations that point at no source are removed; valid ones and other brackets stay")
    func citations() {
        #expect(Grounding.removingInvalidCitations("Rank 16 [2], see [7] and [x] or [99999999999999999999999].", sourceCount: 3)
                == "Rank 16 [2], see  and [x] or .")
        #expect(Grounding.removingInvalidCitations("[1] only", sourceCount: 0) == " only")
    }

    @Test("an answer with an invented value becomes the abstention, keeps the nearest evidence and is not supported")
    func groundingAbstains() async throws {
        let embedder = try Corpus.embedder.get()
        let grounding = Grounding()
        let question = "What LoRA dropout does the QLoRA recipe use?"
        let invented = try await grounding.ground(question: question, generated: "The recipe uses a LoRA dropout of 0.3 [2].",
                                                  sources: [Self.readme, Self.config]) { await embedder.embed($0) }
        #expect(!invented.supported)
        #expect(invented.answer == grounding.abstention)
        #expect(invented.verdict.unsupportedTerms.contains("0.3"))
        #expect(invented.evidence.first?.text == "lora_dropout: 0.05")
        let right = try await grounding.ground(question: question, generated: "It uses lora_dropout 0.05 [2]. [5]",
                                               sources: [Self.readme, Self.config]) { await embedder.embed($0) }
        #expect(right.supported)
        #expect(right.answer == "It uses lora_dropout 0.05 [2].")
    }
}
