import Foundation
import Testing
import TwinlogEmbedding
import TwinlogIndex
@testable import TwinlogRAG

@Suite("evidence quotes and the answer support check")
struct EvidenceTests {
    /// An embedder of these tests' own: the consumer tests share `Corpus.embedder`, whose queue is
    /// serial, and the quotes' embeddings would otherwise wait in front of their retrievals.
    static let embedder: Result<Embedder, any Error> = Result { try Embedder(modelDirectory: EmbedderModelLocator.locate()) }

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
        let embedder = try Self.embedder.get()
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
        let embedder = try Self.embedder.get()
        let selector = EvidenceSelector()
        let quotes = try await selector.select(question: "Where does the DPO step start?", answer: "From the SFT checkpoint.",
                                               sources: [Self.readme]) { await embedder.embed($0) }
        #expect(quotes.first?.text == "The DPO step starts from the SFT checkpoint.")
        let none = try await selector.select(question: "Which bird sings at dawn?", answer: nil,
                                             sources: [Self.config]) { await embedder.embed($0) }
        #expect(none.isEmpty)
    }

    @Test("a long unit is cut at a word boundary, and before it would loop, and stays a verbatim substring")
    func longUnitsAreCut() {
        var selector = EvidenceSelector()
        selector.maxQuoteLength = 20
        let text: Substring = "alpha beta gamma delta epsilon"
        let cut = selector.cut(text)
        #expect(cut == "alpha beta gamma")
        #expect(text.contains(cut))
        let listing: Substring = "tasks = \"leaderboard|mmlu:anatomy|5|0,leaderboard|mmlu:anatomy|5|0,leaderboard|mmlu:anatomy|5|0\""
        #expect(EvidenceSelector().cut(listing) == "tasks = \"leaderboard|mmlu:anatomy|5|0,leaderboard|mmlu:anatomy|5|0",
                "a quote ends before a run of four words comes round the third time")
        #expect(EvidenceSelector.withoutRepeats("a b c d a b c d") == "a b c d a b c d")
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

    @Test("an answer with an invented value becomes the quotes; one the sources support stays; a question they do not answer is abstained")
    func grounding() async throws {
        let embedder = try Self.embedder.get()
        let grounding = Grounding()
        let question = "What LoRA dropout does the QLoRA recipe use?"
        let invented = try await grounding.ground(question: question, generated: "The recipe uses a LoRA dropout of 0.3 [2].",
                                                  sources: [Self.readme, Self.config]) { await embedder.embed($0) }
        #expect(invented.kind == .extractive)
        #expect(invented.supported)
        #expect(invented.verdict.unsupportedTerms.contains("0.3"))
        #expect(invented.evidence.first?.text == "lora_dropout: 0.05")
        #expect(invented.answer.hasPrefix(grounding.extractiveLead))
        #expect(invented.answer.contains("config_qlora.yaml [2]: \"lora_dropout: 0.05\""), "\(invented.answer)")
        #expect(!invented.answer.contains("0.3"))
        let right = try await grounding.ground(question: question, generated: "It uses lora_dropout 0.05 [2]. [5]",
                                               sources: [Self.readme, Self.config]) { await embedder.embed($0) }
        #expect(right.kind == .generated)
        #expect(right.answer == "It uses lora_dropout 0.05 [2].")
        let absent = try await grounding.ground(question: "Which Kubernetes manifest deploys the inference server?",
                                                generated: "The manifest is deploy/k8s.yaml [1].",
                                                sources: [Self.readme, Self.config]) { await embedder.embed($0) }
        #expect(absent.kind == .abstained)
        #expect(!absent.supported)
        #expect(absent.answer == grounding.abstention)
        #expect((absent.evidence.first?.score ?? 0) < grounding.minimumEvidenceScore)
    }

    @Test("the names a question asks about: digits, identifiers, camel case and acronyms of three letters or more")
    func questionNames() {
        #expect(QuestionNames.names(in: "What LoRA rank is set in the StarChat2 15B QLoRA recipe?") == ["LoRA", "StarChat2", "15B", "QLoRA"])
        #expect(QuestionNames.names(in: "Which flake8 error codes are ignored in the handbook's setup.cfg?") == ["flake8", "setup.cfg"])
        #expect(QuestionNames.names(in: "What max_seq_length does the ZeRO-3 config set?") == ["max_seq_length", "ZeRO-3"])
        #expect(QuestionNames.names(in: "How is multi-node training launched in karpathy/nanoGPT?") == ["nanoGPT"])
        #expect(QuestionNames.names(in: "What is GPT-4's vocabulary, and GPT-4's merges?") == ["GPT-4"])
        #expect(QuestionNames.names(in: "For which languages is the documentation built in CI?").isEmpty)
        #expect(QuestionNames.names(in: "Under which license is the repository released?").isEmpty)
        #expect(QuestionNames.names(in: "Which base image does the handbook's Dockerfile build from? Kubernetes too.")
                == ["Dockerfile"], "a capitalized word names something unless it starts a sentence")
        #expect(QuestionNames.names(in: "In nanoGPT, how does Karpathy's sampling script read a prompt?") == ["nanoGPT", "Karpathy"])
        #expect(QuestionNames.names(in: "Which GitHub-hosted runners, per-GPU memory and OpenAI-compatible servers does gpt2-nl use?")
                == ["GitHub", "GPU", "OpenAI", "gpt2-nl"], "a compound of a name and a plain word names the name")
        #expect(QuestionNames.names(in: "Is Zephyr-7B or zephyr-7b-gemma trained with ZeRO-3?") == ["Zephyr-7B", "zephyr-7b-gemma", "ZeRO-3"])
        #expect(QuestionNames.names(in: "Which file creates the table for 768-dimensional embeddings of llama-65b?") == ["768", "llama-65b"],
                "of a number joined to a plain word the name is the number")
    }

    @Test("a name is mentioned by a source's text, title or URL, as written or without its separators")
    func namesInSources() {
        let sources = [Self.config, Self.payload("recipes/accelerate_configs/zero3.yaml", "distributed_type: MULTI_GPU")]
        #expect(QuestionNames.unmentioned(in: "Does the QLoRA recipe use ZeRO-3 with Mistral-7B on multi-GPU?", sources: sources).isEmpty)
        #expect(QuestionNames.unmentioned(in: "What rank does the StarChat2 QLoRA recipe use?", sources: sources) == ["StarChat2"])
        #expect(QuestionNames.unmentioned(in: "What rank does the recipe use?", sources: []).isEmpty)
        let makefile = Self.payload("Makefile", "REPOSITORY = ghcr.io/pinecone-io/canopy\ndocker-build:\n\tdocker build -t $(REPOSITORY) .")
        #expect(QuestionNames.unmentioned(in: "Which registry does the Makefile of Pinecone's RAG framework tag its images with?",
                                          sources: [makefile]).isEmpty, "an acronym beside a mentioned name names a kind of thing")
        #expect(QuestionNames.unmentioned(in: "Which reward functions does the GRPO trainer define?", sources: [makefile]) == ["GRPO"],
                "an acronym alone must be mentioned")
        #expect(QuestionNames.unmentioned(in: "Does the StarChat2 API need a key?", sources: [makefile]) == ["StarChat2", "API"],
                "an acronym among names no source mentions counts")
        let workflow = Self.payload(".github/workflows/ci.yml", "python-version: '3.12'\npytest --maxfail=3")
        let nickname = "Which Python version does the CI of the LibreChat API install?"
        #expect(QuestionNames.unmentioned(in: nickname, sources: [workflow]) == ["LibreChat"])
        #expect(QuestionNames.unmentioned(in: nickname, sources: [workflow], ownNames: ["LibreChat"]).isEmpty,
                "a name the repository uses throughout names the project")
        #expect(!QuestionNames.mentionedTogether(in: "Which Python version does the LibreChat workflow use?", sources: [workflow, makefile]))
        #expect(QuestionNames.mentionedTogether(in: "Which Python version does the LibreChat workflow use?", sources: [workflow, makefile],
                                                ownNames: ["LibreChat"]), "nor need the project's own names meet the others")
        #expect(QuestionNames.mentions("free memory per gpu.", "per-GPU"), "a space for the hyphen")
        #expect(QuestionNames.mentions("makefile\ntest:", "Makefiles"), "a plural's singular")
        #expect(QuestionNames.mentions("zylon-ai/private-gpt", "PrivateGPT"), "one word where the text separates its parts")
        #expect(!QuestionNames.mentions("private data sent to a gpt", "PrivateGPT"))
    }

    @Test("names each mentioned by some source must meet in one document, unless the question compares")
    func namesTogether() async throws {
        let gemma = Self.payload("recipes/zephyr-7b-gemma/sft/config_full.yaml", "max_seq_length: 2048")
        let qlora = Self.payload("recipes/zephyr-7b-beta/sft/config_qlora.yaml", "load_in_4bit: true\nmax_seq_length: 2048")
        let question = "What max_seq_length is set in the QLoRA config for Zephyr 7B Gemma?"
        #expect(QuestionNames.unmentioned(in: question, sources: [gemma, qlora]).isEmpty)
        #expect(!QuestionNames.mentionedTogether(in: question, sources: [gemma, qlora]))
        #expect(QuestionNames.mentionedTogether(in: "What max_seq_length is set in the QLoRA config for Zephyr 7B?", sources: [gemma, qlora]))
        var part = qlora
        part.text = "lora_r: 16"
        #expect(QuestionNames.mentionedTogether(in: "Which lora_r does the QLoRA config use with max_seq_length?", sources: [qlora, part]),
                "the chunks of one document count together")
        for comparison in ["How do the Zephyr-7B-beta QLoRA recipe and the Gemma recipe compare?",
                           "What is the difference between the QLoRA config and the Gemma config?",
                           "Which is larger: the QLoRA max_seq_length or the Gemma one?"] {
            #expect(QuestionNames.mentionedTogether(in: comparison, sources: [gemma, qlora]), "\(comparison)")
        }
        #expect(!QuestionNames.compares("Which is the QLoRA config or the Gemma one?"), "no comparative, no comparison")
        let workflow = Self.payload(".github/workflows/docker-image.yml", "platforms: linux/amd64,linux/arm64\ntags: semitechnologies/verba:latest")
        let tests = Self.payload(".github/workflows/cpu-tests.yml", "name: CPU tests\nruns-on: ubuntu-22.04")
        let platforms = "For which CPU platforms is the Verba image built by the docker-image workflow?"
        #expect(QuestionNames.unmentioned(in: platforms, sources: [workflow, tests]).isEmpty)
        #expect(QuestionNames.mentionedTogether(in: platforms, sources: [workflow, tests]), "an acronym names a kind of thing, not one thing")
        #expect(QuestionNames.isAcronym("GPUs") && QuestionNames.isAcronym("CPU") && !QuestionNames.isAcronym("7B") && !QuestionNames.isAcronym("QLoRA"))
        let requirements = Self.payload("examples/mamba/requirements.txt", "mamba-ssm==1.1.4\ncausal-conv1d==1.1.0")
        let readme = Self.payload("examples/mamba/README.md", "# Mamba\nTrain a Mamba model with nanotron.")
        let pins = "Which versions of mamba-ssm does the Mamba example of the 3D-parallel pretraining library pin?"
        #expect(QuestionNames.unmentioned(in: pins, sources: [requirements, readme]).isEmpty,
                "the name part of a compound beside a mentioned name describes, as an acronym does")
        #expect(QuestionNames.mentionedTogether(in: pins, sources: [requirements, readme]))
        #expect(QuestionNames.unmentioned(in: "What does the 3D-parallel trainer shard?", sources: [requirements]) == ["3D"],
                "alone, it must be mentioned")
        #expect(QuestionNames.unmentioned(in: "Which learning rate trains the 42M-parameter Mamba model?", sources: [requirements, readme])
                == ["42M"], "a size tells one model from its siblings: it is no description")
        let embedder = try Self.embedder.get()
        let grounding = Grounding()
        let assessment = try await grounding.assess(question: question, sources: [gemma, qlora]) { await embedder.embed($0) }
        #expect(!assessment.answers && assessment.namesApart && assessment.unmentionedNames.isEmpty)
        let grounded = grounding.decide(question: question, generated: "It is 2048 [1].", sources: [gemma, qlora], assessment: assessment)
        #expect(grounded.kind == .abstained)
    }

    @Test("a question about a name no source mentions is abstained even when a neighbour's setting matches it well")
    func nearMissAbstains() async throws {
        let embedder = try Self.embedder.get()
        var grounding = Grounding()
        let question = "What LoRA dropout does the StarChat2 QLoRA recipe use?"
        let assessment = try await grounding.assess(question: question, sources: [Self.readme, Self.config]) { await embedder.embed($0) }
        #expect(assessment.unmentionedNames == ["StarChat2"] && !assessment.answers)
        let nearMiss = grounding.decide(question: question, generated: "It uses lora_dropout 0.05 [2].",
                                        sources: [Self.readme, Self.config], assessment: assessment)
        #expect(nearMiss.kind == .abstained && nearMiss.answer == grounding.abstention)
        #expect(nearMiss.evidence.first?.text == "lora_dropout: 0.05", "the nearest source is still quoted")
        grounding.checksNames = false
        let unchecked = try await grounding.ground(question: question, generated: "It uses lora_dropout 0.05 [2].",
                                                   sources: [Self.readme, Self.config]) { await embedder.embed($0) }
        #expect(unchecked.kind == .generated)
    }

    @Test("a line is read in its file's context: the asked setting of the asked file beats the same setting of another")
    func lineInContext() async throws {
        let embedder = try Self.embedder.get()
        let dpo = Self.payload("recipes/zephyr-7b-beta/dpo/config_qlora.yaml", "lora_r: 128\nlora_alpha: 16\noptim: paged_adamw_32bit")
        let sft = Self.payload("recipes/zephyr-7b-beta/sft/config_qlora.yaml", "lora_r: 16\nlora_alpha: 32\noptim: adamw_torch")
        for sources in [[dpo, sft], [sft, dpo]] {
            let quotes = try await EvidenceSelector().select(question: "Which LoRA alpha does the QLoRA SFT config for Zephyr-7B-beta use?",
                                                              answer: nil, sources: sources) { await embedder.embed($0) }
            let first = try #require(quotes.first)
            #expect(sources[first.source - 1].title.contains("/sft/") && first.text == "lora_alpha: 32", "\(quotes)")
        }
    }

    @Test("a configuration line is read with the rest of its file: the setting beside the asked model's id wins")
    func lineInChunk() async throws {
        let embedder = try Self.embedder.get()
        let small = Self.payload("recipes/tinyllm/sft/config_small.yaml",
                                 "dataset_name: example/chat-small\nhub_model_id: tinyllm-350M-sft\nlearning_rate: 1.0e-03")
        let large = Self.payload("recipes/tinyllm/sft/config.yaml",
                                 "dataset_name: example/chat\nhub_model_id: tinyllm-2.4B-sft\nlearning_rate: 3.0e-04")
        for sources in [[small, large], [large, small]] {
            let quotes = try await EvidenceSelector().select(question: "What learning rate was used to SFT TinyLLM-2.4B?", answer: nil,
                                                              sources: sources) { await embedder.embed($0) }
            let first = try #require(quotes.first)
            #expect(first.text == "learning_rate: 3.0e-04", "\(quotes)")
        }
    }

    @Test("a setting whose key words were asked for wins over a line that shares more of the question's other words")
    func settingKey() async throws {
        let embedder = try Self.embedder.get()
        let workflow = Self.payload(".github/workflows/quality.yml", """
            - name: Setup Python environment
              uses: actions/setup-python@v2
              with:
                python-version: 3.10.10
            - name: Install dependencies
              run: python -m pip install ".[quality]"
            """)
        let quotes = try await EvidenceSelector().select(question: "Which Python version does the quality workflow install?", answer: nil,
                                                          sources: [workflow]) { await embedder.embed($0) }
        #expect(quotes.first?.text.trimmingCharacters(in: .whitespaces) == "python-version: 3.10.10", "\(quotes)")
        #expect(EvidenceSelector.keyWords(of: "  python-version: 3.10.10") == ["python", "version"])
        #expect(EvidenceSelector.keyWords(of: "lora_alpha: 16").isEmpty)
        #expect(EvidenceSelector.keyWords(of: "max-line-length = 119") == ["max", "line", "length"])
        #expect(EvidenceSelector.keyWords(of: "See the guide: it explains").isEmpty)
        #expect(EvidenceSelector.keyWords(of: "name:").isEmpty)
    }

    @Test("an asked identifier counts twice only where it is given a value, not where a signature or an import names it")
    func identifierSetting() throws {
        for setting in ["lora_alpha = 16", "lora_alpha: 16", "lora_alpha: int = 16", "\"lora_alpha\": 16,", "lora(lora_alpha=16)",
                        "optim: adamw_torch\nseed: 1"] {
            #expect(EvidenceSelector.setsValue(setting.hasPrefix("optim") ? "optim" : "lora_alpha", in: Substring(setting)), "\(setting)")
        }
        for naming in ["def __init__(self, r: int, lora_alpha: int, lora_dropout: float):", "lora(lora_alpha)", "if lora_alpha == 16:",
                       "from lit_llama.lora import lora", "my_lora_alpha = 16"] {
            let identifier = naming.contains("lit_llama") ? "lit_llama" : "lora_alpha"
            #expect(!EvidenceSelector.setsValue(identifier, in: Substring(naming)), "\(naming)")
        }
        #expect(EvidenceSelector.setsValue("dataset_name", in: "dataset_name: HuggingFaceTB/smol-smoltalk"), "a YAML value that is no type")
        #expect(EvidenceSelector.setsValue("optim", in: "optim: adamw-8bit"))
        #expect(!EvidenceSelector.setsValue("lora_alpha", in: "lora_alpha: alpha is needed for scaling updates as alpha/r"),
                "a docstring's description of a parameter sets nothing")
        let script = Self.payload("finetune/lora.py", "lora_r = 8\nlora_alpha = 16\nlora_dropout = 0.05")
        let layer = Self.payload("lit_llama/lora.py", "class LoRALayer():\n    def __init__(self, r: int, lora_alpha: int, lora_dropout: float):")
        let tests = Self.payload("tests/test_lora.py", "def test_lora_merge(lit_llama):\n    from lit_llama.lora import lora")
        let units = [script, layer, tests].enumerated().flatMap { number, payload in
            var payload = payload
            payload.source = "Lightning-AI/lit-llama"
            return EvidenceSelector.units(of: payload, source: number + 1)
        }
        let wanted = EvidenceSelector.terms("Which LoRA alpha and dropout are given when Lit-LLaMA is finetuned with LoRA?")
        let scores = EvidenceSelector.lexicalScores(units, wanted: wanted)
        func score(_ text: String) throws -> Double { scores[try #require(units.firstIndex { $0.text == text }, "no unit \(text)")] }
        let setting = try score("lora_alpha = 16")
        #expect(try setting > score("def test_lora_merge(lit_llama):\n    from lit_llama.lora import lora"))
        #expect(try setting > score("class LoRALayer():\n    def __init__(self, r: int, lora_alpha: int, lora_dropout: float):"))
    }

    @Test("the later quotes cover what the first left out")
    func coveringQuotes() async throws {
        let embedder = try Self.embedder.get()
        let deepspeed = Self.payload("recipes/accelerate_configs/zero3.yaml", """
            compute_environment: LOCAL_MACHINE
            deepspeed_multinode_launcher: standard
            offload_optimizer_device: none
            offload_param_device: none
            zero3_init_flag: true
            zero_stage: 3
            distributed_type: DEEPSPEED
            """)
        let quotes = try await EvidenceSelector().select(question: "Does the DeepSpeed ZeRO-3 config offload optimizer states or parameters to CPU?",
                                                          answer: nil, sources: [deepspeed]) { await embedder.embed($0) }
        let texts = quotes.map { $0.text.trimmingCharacters(in: .whitespaces) }
        #expect(texts.contains("offload_optimizer_device: none") && texts.contains("offload_param_device: none"), "\(texts)")
    }

    @Test("a sentence of prose without a letter is no unit: it would pass for an asked number")
    func letterlessSentences() {
        let readme = Self.payload("README.md", "Train it in three steps.\n\n3.\n\n| 512 | 1024 |\n\nThen evaluate it on 512 prompts.")
        #expect(EvidenceSelector.units(of: readme, source: 1).map { String($0.text) }
                == ["Train it in three steps.", "Then evaluate it on 512 prompts."])
    }

    @Test("prose is cut into sentences and its fenced code blocks into lines, fences left out")
    func fencedCodeLines() {
        let text = "Install it first. Then train:\n```bash\npython train.py --lr 3e-4\naccelerate launch run.py\n```\nIt logs every step."
        let units = EvidenceSelector.units(of: Self.payload("README.md", text), source: 1).map { String($0.text) }
        #expect(units == ["Install it first.", "Then train:\n```bash\npython train.py --lr 3e-4\naccelerate launch run.py",
                          "python train.py --lr 3e-4", "accelerate launch run.py", "It logs every step."])
        for unit in units { #expect(text.contains(unit)) }
        let unclosed = EvidenceSelector.units(of: Self.payload("guide.md", "Run this.\n```\nmake all\nmake test"), source: 1).map { String($0.text) }
        #expect(unclosed == ["Run this.", "make all", "make test"])
    }

    /// The texts of the units `EvidenceSelector` cuts a source at `title` holding `text` into.
    static func unitTexts(_ title: String, _ text: String) -> [String] {
        EvidenceSelector.units(of: payload(title, text), source: 1).map { String($0.text) }
    }

    @Test("a lead-in is quoted with what it introduces: a list, a code block, a bracketed statement, a block, a section, a continuation")
    func leadInBlocks() {
        let readme = "We recommend benchmarking chat models on:\n\n* MT-Bench: multi-turn.\n* AlpacaEval: single-turn.\n\nBoth use the Zephyr template."
        #expect(Self.unitTexts("scripts/README.md", readme).first == "We recommend benchmarking chat models on:\n\n* MT-Bench: multi-turn.\n* AlpacaEval: single-turn.")
        let python = "__all__ = [\n    \"get_dataset\",\n    \"get_model\",\n]\n# sync gradients only at the last micro step\nmodel.require_backward_grad_sync = last\nx = 1"
        let units = Self.unitTexts("src/alignment/__init__.py", python)
        #expect(units.first == "__all__ = [\n    \"get_dataset\",\n    \"get_model\",\n]")
        #expect(units.contains("# sync gradients only at the last micro step\nmodel.require_backward_grad_sync = last"))
        #expect(units.contains("x = 1"), "a plain line is its own unit")
        let yaml = "lora_target_modules:\n- q_proj\n- v_proj\nlora_r: 16"
        #expect(Self.unitTexts("recipes/sft/config.yaml", yaml).first == "lora_target_modules:\n- q_proj\n- v_proj")
        let setup = "[flake8]\nignore = E203, W503\nmax-line-length = 119\n[tool:pytest]\ndoctest = true"
        #expect(Self.unitTexts("setup.cfg", setup).first == "[flake8]\nignore = E203, W503\nmax-line-length = 119")
        let dockerfile = "FROM node:18 AS build-stage\nRUN npm run build\n\n# serve the build\nFROM node:18 AS production-stage\nRUN npm install -g serve\nEXPOSE 5000"
        let stages = Self.unitTexts("frontend/Dockerfile", dockerfile)
        #expect(stages.first == "FROM node:18 AS build-stage\nRUN npm run build", "a build stage ends before the next FROM")
        #expect(stages.contains("FROM node:18 AS production-stage\nRUN npm install -g serve\nEXPOSE 5000"), "a build stage runs to the file's end")
        #expect(Self.unitTexts("docs/Dockerfile.md", "FROM here on, read on.\nEnd.").count == 2, "prose is not divided into build stages")
        let shell = "srun --nodes=1 \\\n    --ntasks=1 \\\n    trl vllm-serve\necho done"
        #expect(Self.unitTexts("recipes/launch.slurm", shell).first == "srun --nodes=1 \\\n    --ntasks=1 \\\n    trl vllm-serve")
        let branch = "if [[ \"$USE_VLLM\" == \"true\" ]]; then\n    VLLM_NODE=${NODELIST[-1]}\n    NUM_NODES=$((NUM_NODES - 1))\nfi\necho done"
        #expect(Self.unitTexts("recipes/launch.slurm", branch).first
            == "if [[ \"$USE_VLLM\" == \"true\" ]]; then\n    VLLM_NODE=${NODELIST[-1]}\n    NUM_NODES=$((NUM_NODES - 1))", "a shell branch runs to its fi")
        #expect(Self.unitTexts("run.sh", "for f in *.txt; do\n  wc -l \"$f\"\ndone").first == "for f in *.txt; do\n  wc -l \"$f\"")
        var short = EvidenceSelector.units(of: Self.payload("scripts/README.md", readme), source: 1, blockLimit: 70).map { String($0.text) }
        #expect(short.first == "We recommend benchmarking chat models on:\n\n* MT-Bench: multi-turn.", "a block stops where the limit would be passed")
        short = Self.unitTexts("notes/README.md", "## Setup\n\nInstall it.")
        #expect(short == ["Install it."], "a heading alone quotes nothing")
        #expect(Self.unitTexts("requirements.txt", "regex\ntiktoken") == ["regex", "tiktoken"], "a requirements file is quoted by line")
    }

    @Test("a comment or decorator is quoted through the statement under it and its block; a YAML list item with its mapping")
    func statementsUnderLeadIns() {
        let schedule = "# learning rate decay scheduler\ndef get_lr(it):\n    if it < warmup_iters:\n        return lr\n    return min_lr\nx = 1"
        #expect(Self.unitTexts("train.py", schedule).first == "# learning rate decay scheduler\ndef get_lr(it):\n    if it < warmup_iters:\n        return lr\n    return min_lr")
        let settings = "# learning rate decay settings\ndecay_lr = True\nwarmup_iters = 2000\n# floor\nmin_lr = 6e-5\n\n# system\ndevice = 'cuda'\nbackend = 'nccl'\n\ncompile = True"
        let grouped = Self.unitTexts("train.py", settings)
        #expect(grouped.first == "# learning rate decay settings\ndecay_lr = True\nwarmup_iters = 2000",
                "a comment heading a paragraph is quoted with its statements, up to the next comment")
        #expect(grouped.contains("# floor\nmin_lr = 6e-5"), "a comment inside a paragraph speaks of the one statement under it")
        #expect(grouped.contains("# system\ndevice = 'cuda'\nbackend = 'nccl'"), "a paragraph ends at a blank line")
        let dataclass = "@dataclass\n@frozen\nclass DatasetConfig:\n    id: str\n    weight: float = 1.0\n\nclass Other:"
        let units = Self.unitTexts("src/configs.py", dataclass)
        #expect(units.first == "@dataclass\n@frozen\nclass DatasetConfig:\n    id: str\n    weight: float = 1.0")
        #expect(units.contains("@frozen\nclass DatasetConfig:\n    id: str\n    weight: float = 1.0"))
        #expect(Self.unitTexts("src/mail.py", "@property\n@staticmethod") == ["@property\n@staticmethod", "@staticmethod"],
                "decorators with nothing under them are quoted alone")
        #expect(Self.unitTexts("src/mail.py", "# TODO\n# later").first == "# TODO\n# later", "a comment run with no statement is its own quote")
        let mixture = "datasets:\n  - id: HuggingFaceTB/OpenHermes-2.5-H4\n    split: train\n    weight: 0.001\n  - id: other\n    weight: 1"
        #expect(Self.unitTexts("recipes/smollm/sft/config.yaml", mixture).dropFirst().first == "- id: HuggingFaceTB/OpenHermes-2.5-H4\n    split: train\n    weight: 0.001")
        #expect(Self.unitTexts("recipes/sft/config.yaml", "- q_proj\n  - v_proj") == ["- q_proj", "- v_proj"], "a list item without a key stands alone")
        let nested = "def f():\n    if x:\n        return 1\n    return 2\ny = 3"
        #expect(Self.unitTexts("src/f.py", nested).prefix(2) == ["def f():\n    if x:\n        return 1\n    return 2", "if x:\n        return 1"],
                "a block ends before the first line indented no deeper than its lead")
        let limit = EvidenceSelector().maxQuoteLength
        let long = "# " + String(repeating: "why ", count: 20) + "\ndef f():\n    return " + String(repeating: "x + ", count: limit / 4) + "1"
        #expect(Self.unitTexts("src/long.py", long).first?.hasSuffix("def f():") == true, "the limit still holds inside a statement's block")
        let cutBlock = "if flash:\n    # fast path\n    y = attention(" + String(repeating: "q, ", count: limit / 3) + "v)\nelse:"
        #expect(Self.unitTexts("src/model.py", cutBlock).first == "if flash:", "a block the limit ends on a comment leaves the comment out")
    }

    @Test("a block's quote holds the asked values verbatim, and no two quotes overlap")
    func blockQuotes() async throws {
        let embedder = try Self.embedder.get()
        let readme = Self.payload("scripts/README.md", """
            # Evaluating chat models

            We recommend benchmarking chat models on:

            * [MT-Bench](https://example.test/mt): a multi-turn benchmark of 80 questions.
            * [AlpacaEval](https://example.test/alpaca): a single-turn benchmark of helpfulness.

            Both benchmarks support the Zephyr chat template.
            """, kind: "repository_file")
        let quotes = try await EvidenceSelector().select(question: "Which benchmarks does the guide recommend for evaluating chat models?",
                                                          answer: nil, sources: [readme]) { await embedder.embed($0) }
        let first = try #require(quotes.first)
        #expect(first.text.contains("MT-Bench") && first.text.contains("AlpacaEval"), "\(quotes)")
        for quote in quotes { #expect(readme.text.contains(quote.text), "verbatim: \(quote.text)") }
        let ranges = quotes.compactMap { readme.text.range(of: $0.text) }
        for (i, a) in ranges.enumerated() { for b in ranges[(i + 1)...] { #expect(!a.overlaps(b), "\(quotes)") } }
    }

    @Test("configuration abbreviations and inflections match the question's words")
    func abbreviationsAndInflections() async throws {
        #expect(EvidenceSelector.matches("r", "rank") && EvidenceSelector.matches("lr", "learning"))
        #expect(EvidenceSelector.matches("saves", "saved") && EvidenceSelector.matches("trained", "training"))
        #expect(EvidenceSelector.matches("tokenizer", "tokenized"))
        #expect(!EvidenceSelector.matches("config", "confirm") && !EvidenceSelector.matches("format", "formal"))
        #expect(!EvidenceSelector.matches("r", "rate"))
        let embedder = try Self.embedder.get()
        let config = Self.payload("recipes/zephyr-141b/orpo/config_full.yaml", """
            learning_rate: 5.0e-6
            lr_scheduler_type: inverse_sqrt
            num_train_epochs: 3
            optim: adamw_bnb_8bit
            """)
        let quotes = try await EvidenceSelector().select(question: "Which learning-rate scheduler and optimizer does the ORPO config use?",
                                                          answer: nil, sources: [config]) { await embedder.embed($0) }
        let texts = quotes.map(\.text)
        #expect(texts.contains("lr_scheduler_type: inverse_sqrt") && texts.contains("optim: adamw_bnb_8bit"), "\(texts)")
        let rank = try await EvidenceSelector().select(question: "Which LoRA rank does the recipe use?", answer: nil,
                                                        sources: [Self.config]) { await embedder.embed($0) }
        #expect(rank.first?.text == "lora_r: 16", "\(rank)")
    }

    @Test("an extractive answer names each document once: a file by its name, code by its definition")
    func extractivePlaces() {
        var code = Self.payload("model.py", "return mfu")
        code.section = "class GPT(nn.Module) > def estimate_mfu(self, fwdbwd_per_iter, dt)"
        var yaml = Self.config
        yaml.section = "model_name_or_path … num_train_epochs"
        let article = Self.payload("Why logs win", "Logs win.", kind: "article")
        let quotes = [EvidenceQuote(source: 1, text: "return mfu", score: 0.9), EvidenceQuote(source: 2, text: "lora_r: 16", score: 0.8),
                      EvidenceQuote(source: 2, text: "lora_alpha: 16", score: 0.7), EvidenceQuote(source: 3, text: "Logs win.", score: 0.6)]
        let answer = Grounding().extractive(quotes, sources: [code, yaml, article])
        #expect(answer == "According to the sources: model.py, def estimate_mfu [1]: \"return mfu\"; "
                + "config_qlora.yaml [2]: \"lora_r: 16\"; [2]: \"lora_alpha: 16\"; Why logs win [3]: \"Logs win.\".")
    }

    @Test("a block's limit counts characters, as a quote's cut does, not UTF-8 bytes")
    func blockLimitInCharacters() {
        let korean = "설치 방법은 다음과 같습니다:\n\n- 첫째, 저장소를 복제합니다.\n- 둘째, 의존성을 설치합니다."
        #expect(korean.count <= 60 && korean.utf8.count > 60)
        let units = EvidenceSelector.units(of: Self.payload("guide.ko.md", korean), source: 1, blockLimit: 60).map { String($0.text) }
        #expect(units.first == korean, "\(units)")
    }

    @Test("a question naming two sources one by one is not abstained because its names meet in no one document")
    func comparedSourcesNamesApart() async throws {
        let embedder = try Self.embedder.get()
        var verba = Self.payload("Dockerfile", "FROM python:3.11\nWORKDIR /Verba\nRUN pip install '.'")
        verba.source = "weaviate/Verba"
        var cognita = Self.payload("backend/Dockerfile", "FROM python:3.11\nWORKDIR /app\nRUN pip install -r backend/requirements.txt")
        cognita.source = "truefoundry/cognita"
        let question = "Which Python base image do Verba's Dockerfile and Cognita's backend Dockerfile both start from?"
        #expect(!QuestionNames.mentionedTogether(in: question, sources: [verba, cognita]))
        let grounding = Grounding()
        let alone = try await grounding.assess(question: question, sources: [verba, cognita]) { await embedder.embed($0) }
        #expect(alone.namesApart && !alone.answers, "without the compared sources the names check abstains")
        let compared = try await grounding.assess(question: question, sources: [verba, cognita],
                                                  comparing: ["truefoundry/cognita", "weaviate/Verba"]) { await embedder.embed($0) }
        #expect(!compared.namesApart && compared.answers, "\(compared)")
        #expect(compared.evidence.contains { $0.text.hasPrefix("FROM python:3.11") })
    }

    @Test("a question that compares two sources gets a quote from each, in place of the weaker source's third quote")
    func quotesCoverComparedSources() async throws {
        let embedder = try Self.embedder.get()
        var handbook = Self.payload("README.md", """
            Multi-node training is launched with accelerate and a DeepSpeed ZeRO-3 config on every node. \
            The Slurm script launches multi-node training across the nodes of a cluster. \
            Each node runs the accelerate launcher with the same training recipe.
            """)
        handbook.source = "huggingface/alignment-handbook"
        var nanoGPT = Self.payload("README.md", "Across 2 nodes, run torchrun on each one with the master address.")
        nanoGPT.source = "karpathy/nanoGPT"
        let question = "How is multi-node training launched in nanoGPT compared with the alignment handbook?"
        let plain = try await EvidenceSelector().select(question: question, answer: nil, sources: [handbook, nanoGPT]) { await embedder.embed($0) }
        #expect(plain.count == 3 && plain.allSatisfy { $0.source == 1 }, "the handbook's sentences outrank nanoGPT's: \(plain)")
        let covered = try await EvidenceSelector().select(question: question, answer: nil, sources: [handbook, nanoGPT],
                                                           comparing: ["karpathy/nanoGPT", "huggingface/alignment-handbook"]) { await embedder.embed($0) }
        #expect(covered.count == 3, "\(covered)")
        #expect(covered.prefix(2).map(\.text) == plain.prefix(2).map(\.text))
        #expect(covered.last?.source == 2 && covered.last?.text == nanoGPT.text, "\(covered)")
    }

    @Test("a file the question names is quoted before another file that shares the question's words")
    func namedFileFirst() async throws {
        let sources = [
            Self.payload("docs/training.md", "The learning rate is set to 3e-4 for the full training run of the model."),
            Self.payload("finetune.py", "lr = 1e-5\nmax_iters = 200"),
        ]
        let question = "What learning rate does finetune.py set for the model?"
        #expect(EvidenceSelector.namedFiles(in: question, sources: sources) == [2])
        #expect(EvidenceSelector.namedFiles(in: "What learning rate does the finetuning script set?", sources: sources).isEmpty)
        #expect(EvidenceSelector.namedFiles(in: "Which base image does Verba's Dockerfile start from?",
                                            sources: [Self.payload("goldenverba/Dockerfile", "FROM python:3.11")]) == [1])

        let embedder = try Self.embedder.get()
        var unnamed = EvidenceSelector()
        unnamed.namedFileBonus = 0
        let before = try await unnamed.select(question: question, answer: nil, sources: sources) { await embedder.embed($0) }
        #expect(before.first?.source == 1, "without the bonus the guide's sentence leads: \(before)")
        let quotes = try await EvidenceSelector().select(question: question, answer: nil, sources: sources) { await embedder.embed($0) }
        #expect(quotes.first?.text == "lr = 1e-5", "\(quotes)")
        #expect(quotes.first?.score == before.first { $0.text == "lr = 1e-5" }?.score, "the bonus ranks; the quote keeps its own score")
    }

    @Test("a question that asks for a number has the lines that state one quoted before prose that shares its words")
    func quantityFirst() async throws {
        #expect(EvidenceSelector.asksForQuantity("Which versions of bitsandbytes and peft are pinned?"))
        #expect(EvidenceSelector.asksForQuantity("How many workers does the server start?"))
        #expect(EvidenceSelector.asksForQuantity("On which port is the dashboard served?"))
        #expect(!EvidenceSelector.asksForQuantity("Which optimizer does the recipe use?"))
        #expect(EvidenceSelector.holdsNumber("bitsandbytes==0.40.0"))
        #expect(EvidenceSelector.holdsNumber("You will need 80GB of memory."))
        #expect(!EvidenceSelector.holdsNumber("tokenizer = gpt2_tokenizer(llama2)"), "digits inside names are no number")

        let sources = [
            Self.payload("README.md", "The requirements of QLoRA pin the peft library of Hugging Face for its adapters."),
            Self.payload("requirements.txt", "bitsandbytes==0.40.0\npeft==0.4.0"),
        ]
        let question = "Which version of peft does QLoRA's requirements file pin?"
        let embedder = try Self.embedder.get()
        var plain = EvidenceSelector()
        plain.quantityBonus = 0
        let before = try await plain.select(question: question, answer: nil, sources: sources) { await embedder.embed($0) }
        #expect(before.first?.source == 1, "without the bonus the README's sentence leads: \(before)")
        let quotes = try await EvidenceSelector().select(question: question, answer: nil, sources: sources) { await embedder.embed($0) }
        #expect(quotes.first?.text == "peft==0.4.0", "\(quotes)")
    }

    @Test("the kind of value a question asks for is read from the noun that ends what it asks about")
    func askedKinds() {
        #expect(AskedValue.kinds("What learning rate does the DPO recipe use?") == [.number(["learning", "rate"])])
        #expect(AskedValue.kinds("How many requests per minute does the server allow?") == [.number([])])
        #expect(AskedValue.kinds("Which versions of bitsandbytes and peft are pinned?") == [.number([])], "only a number's noun: any number")
        #expect(AskedValue.kinds("Which reranking model does the retriever apply?") == [.model])
        #expect(AskedValue.kinds("Which make target builds the images and starts the stack?") == [.target], "a verb the stops miss ends it")
        #expect(AskedValue.kinds("Which environment variable overrides the chunk size?") == [.variable])
        #expect(AskedValue.kinds("Which Postgres image does the compose file pin?") == [.image])
        #expect(AskedValue.kinds("Which weaviate-client version does the package pin, and which sentence-transformers version comes with it?")
                    .count == 2)
        #expect(AskedValue.kinds("Which script trains the vocabulary, and what model type does it train?").isEmpty,
                "a noun before another noun qualifies it")
        #expect(AskedValue.kinds("Under which image name is the slim variant published?").isEmpty)
        #expect(AskedValue.kinds("How does the tokenizer handle special tokens?").isEmpty)
        #expect(AskedValue.kinds("Which macOS runner images do the CI workflows build on?") == [.runner])
        #expect(AskedValue.kinds("Which runner image does the test job use?") == [.runner], "a runner's image is a runner label")
        #expect(AskedValue.kinds("Which base image and VS Code extensions does the dev container set up?") == [.image],
                "a named kind's noun before `and` ends what is asked")
        #expect(AskedValue.kinds("What learning rate and batch size does the recipe use?") == [.number(["learning", "rate", "batch", "size"])],
                "a number's noun before `and` does not: the number may sit beside either part")
    }

    @Test("a quote holds a value of the asked kind: a number by the asked words, a model id, an image, a variable, a make target")
    func askedValueHeld() {
        #expect(AskedValue.holds(.number(["learning", "rate"]), "learning_rate: 2.0e-04", file: "config.yaml"))
        #expect(AskedValue.holds(.number(["learning", "rate"]), "lr: 6.e-5", file: "7B.yaml"), "an abbreviation of the asked words")
        #expect(!AskedValue.holds(.number(["learning", "rate"]), "batch_size = 8", file: "train.py"), "a number of another setting")
        #expect(!AskedValue.holds(.number([]), "Finetuning uses a smaller learning rate.", file: "README.md"))
        #expect(AskedValue.holds(.number([]), "Each volunteer gets thirty centimetres of wire.", file: "notes.md"), "a number in words")
        for model in ["thenlper/gte-large", "model: gpt-4o-mini", "\"qwen2:1.5b\"", "all-MiniLM-L6-v2"] {
            #expect(AskedValue.holds(.model, model, file: "settings.py"), "\(model)")
        }
        for other in ["int(config[\"Limit/Sensitivity\"].value)", "![flow](images/simple_hybrid_flow.png)", "([83adc12](URL))",
                      "The app reranks with a cross-encoder."] {
            #expect(!AskedValue.holds(.model, other, file: "README.md"), "\(other)")
        }
        #expect(AskedValue.holds(.image, "FROM python:3.11-slim", file: "Dockerfile"))
        #expect(AskedValue.holds(.image, "    image: pgvector/pgvector:pg16", file: "docker-compose.yml"))
        #expect(!AskedValue.holds(.image, "The image `rayproject/ray` includes Ray.", file: "README.md"))
        #expect(AskedValue.holds(.runner, "include:\n  - os: macos-13\n    postgresql: 15", file: "build.yml"))
        #expect(AskedValue.holds(.runner, "runs-on: [self-hosted, linux, gpu]", file: "ci.yml"))
        #expect(!AskedValue.holds(.runner, "runs-on: ${{ matrix.os }}", file: "ci.yml"), "an expression names no runner")
        #expect(!AskedValue.holds(.runner, "Builds run on macOS and Linux.", file: "README.md"), "a platform is no runner label")
        #expect(!AskedValue.holds(.image, "- os: macos-13", file: "build.yml"), "a runner label is no container image")
        #expect(AskedValue.holds(.variable, "prompt = os.getenv(\"SYSTEM_MESSAGE_PROMPT\", default)", file: "interfaces.py"))
        #expect(AskedValue.holds(.variable, "ENV PORT=80", file: "Dockerfile"))
        #expect(!AskedValue.holds(.variable, "Create a `.env` in the folder you start it in.", file: "README.md"))
        #expect(AskedValue.holds(.target, "seed:\n\tpython seed.py", file: "Makefile"))
        #expect(AskedValue.holds(.target, "Run `make seed` once.", file: "README.md"))
        #expect(AskedValue.holds(.target, "make seed\npython app.py", file: "setup.sh"))
        #expect(!AskedValue.holds(.target, "Make sure the database is seeded first.", file: "README.md"), "prose's \"make sure\" is no command")
        #expect(!AskedValue.holds(.target, "seed: 42", file: "config.yaml"), "a key outside a makefile is no target")
        #expect(!AskedValue.holds(.model, "GPT-2 was trained on WebText.", file: "README.md", besides: ["gpt-2"]),
                "a model the question states is not its answer")
        let volumes = [(text: "volumes:\n  postgres_data:", file: "docker-compose.yml")]
        #expect(!AskedValue.given(question: "Which Postgres image does the compose file start?", quotes: volumes))
        #expect(AskedValue.given(question: "Which Postgres image does the compose file start, and what volume does it mount?", quotes: volumes),
                "a part of no kind may be what the quotes answer")
        #expect(AskedValue.given(question: "How does the compose file start Postgres?", quotes: volumes), "no kind asked, nothing checked")
    }

    @Test("a question whose quotes hold no value of the asked kind is abstained; quotes that hold one answer it")
    func askedValueMissingAbstains() async throws {
        let embedder = try Self.embedder.get()
        var grounding = Grounding()
        let temperature = "What sampling temperature does the QLoRA recipe use?"
        let missing = try await grounding.assess(question: temperature, sources: [Self.readme, Self.config]) { await embedder.embed($0) }
        #expect(missing.valueMissing && !missing.answers, "\(missing.evidence)")
        #expect(missing.unmentionedNames.isEmpty && !missing.namesApart, "the names check passes: only the value is missing")
        let rank = try await grounding.assess(question: "What LoRA rank does the QLoRA recipe use?", sources: [Self.readme, Self.config]) {
            await embedder.embed($0)
        }
        #expect(!rank.valueMissing && rank.answers, "\(rank.evidence)")
        let prose = Self.payload("docs/retrieval.md", "The retriever reranks the hybrid search results before the context is built.")
        let settings = Self.payload("config/retriever.yaml", "hybrid_search: true\nreranking_model: BAAI/bge-reranker-base\ntop_k: 5")
        let reranker = "Which reranking model does the retriever apply to the hybrid search results?"
        let proseOnly = try await grounding.assess(question: reranker, sources: [prose]) { await embedder.embed($0) }
        #expect(proseOnly.valueMissing && !proseOnly.answers)
        let withSettings = try await grounding.assess(question: reranker, sources: [prose, settings]) { await embedder.embed($0) }
        #expect(!withSettings.valueMissing && withSettings.answers, "\(withSettings.evidence)")
        #expect(withSettings.evidence.first?.source == 2, "the line that names a model is quoted first: \(withSettings.evidence)")
        grounding.checksAskedValue = false
        let unchecked = try await grounding.assess(question: temperature, sources: [Self.readme, Self.config]) { await embedder.embed($0) }
        #expect(!unchecked.valueMissing && unchecked.answers)
    }

    @Test("a value from a document that does not mention the identifier the question names is not the value asked for")
    func valueFromAnotherThing() async throws {
        let embedder = try Self.embedder.get()
        let grounding = Grounding()
        let question = "What learning rate does the handbook's gpt2-nl continued pretraining recipe use?"
        let readme = Self.payload("README.md", "A `gpt2-nl` recipe is also given to illustrate continued pretraining on another language.")
        let otherRecipe = Self.payload("recipes/smollm/sft/config.yaml", "learning_rate: 1.0e-03\nnum_train_epochs: 1\nwarmup_ratio: 0.1")
        let ownRecipe = Self.payload("recipes/gpt2-nl/cpt/config_full.yaml", "learning_rate: 2.0e-04\nnum_train_epochs: 1\nwarmup_ratio: 0.1")
        #expect(QuestionNames.valueSources(for: question, sources: [readme, otherRecipe]) == [0])
        let elsewhere = try await grounding.assess(question: question, sources: [readme, otherRecipe]) { await embedder.embed($0) }
        #expect(elsewhere.valueMissing && !elsewhere.answers, "\(elsewhere.evidence)")
        #expect(elsewhere.evidence.contains { $0.text.contains("1.0e-03") }, "the nearest value is still quoted: \(elsewhere.evidence)")
        let own = try await grounding.assess(question: question, sources: [readme, ownRecipe]) { await embedder.embed($0) }
        #expect(!own.valueMissing && own.answers, "\(own.evidence)")
        let nickname = "What learning rate does the Golden Handbook's recipe use?"
        #expect(QuestionNames.valueSources(for: nickname, sources: [readme, otherRecipe]) == [0, 1], "a proper noun may be the project's nickname")
    }

    @Test("two chunks of one file that overlap do not give the same lines twice")
    func overlappingChunks() async throws {
        let first = Self.payload("recipes/config.yaml", "lora:\n  r: 16\n  alpha: 32\noptim: adamw")
        let second = Self.payload("recipes/config.yaml", "  alpha: 32\noptim: adamw\nseed: 42")
        let embedder = try Self.embedder.get()
        let quotes = try await EvidenceSelector().select(question: "Which LoRA alpha is set?", answer: nil,
                                                          sources: [first, second]) { await embedder.embed($0) }
        for (position, quote) in quotes.enumerated() {
            for other in quotes[(position + 1)...] {
                #expect(!quote.text.contains(other.text) && !other.text.contains(quote.text), "\(quotes)")
            }
        }
        #expect(quotes.contains { $0.text.contains("alpha: 32") }, "\(quotes)")
    }

    @Test("an extractive answer does not loop: a run of four words comes round at most twice across its quotes")
    func extractiveDoesNotLoop() {
        let models = Self.payload("config.py", "x")
        let texts = ["name = \"BAAI/bge-large-en\"", "fallback = \"BAAI/bge-large-en\"", "size = 1024, model BAAI/bge-large-en"]
        let answer = Grounding().extractive(texts.map { EvidenceQuote(source: 1, text: $0, score: 0.9) }, sources: [models])
        #expect(answer == "According to the sources: config.py [1]: \"name = \"BAAI/bge-large-en\"\"; "
                + "[1]: \"fallback = \"BAAI/bge-large-en\"\"; [1]: \"size = 1024, model\".", "\(answer)")
    }
}

extension Grounding {
    /// `assess` and then `decide` on `generated`, the two steps the inference consumer takes around
    /// generating an answer.
    func ground(question: String, generated: String, sources: [ChunkPayload], embed: Retriever.Embed) async throws -> GroundedAnswer {
        let assessment = try await assess(question: question, sources: sources, embed: embed)
        return decide(question: question, generated: generated, sources: sources, assessment: assessment)
    }
}
