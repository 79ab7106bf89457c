import ArgumentParser
import Foundation
import TwinlogCommandSupport
import TwinlogGeneration

/// `twinlog chat`: an interactive ChatML conversation with SmolLM2 on the terminal.
struct ChatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Chat with the SmolLM2 language model (an empty line or end of input quits).")

    @OptionGroup var model: GeneratorModelOptions

    @Option(help: "The system message (default: the template's own).")
    var system: String?

    @OptionGroup var decoding: DecodingFlags

    @Option(name: .customLong("max-tokens"), help: "At most this many tokens per reply.")
    var maxTokens: Int = 256

    func run() throws {
        let generator = try model.loadGenerator()
        var messages: [ChatMessage] = system.map { [ChatMessage(role: .system, content: $0)] } ?? []
        let sampling = try decoding.sampling(SamplingOptions(temperature: 0.7, topP: 0.9))
        var turn: UInt64 = 0
        while true {
            FileHandle.standardOutput.write(Data("you> ".utf8))
            guard let line = readLine(), !line.trimmingCharacters(in: .whitespaces).isEmpty else { break }
            messages.append(ChatMessage(role: .user, content: line))
            FileHandle.standardOutput.write(Data("smollm> ".utf8))
            var turnSampling = sampling
            turnSampling.seed = sampling.seed &+ turn
            let reply = try generator.generate(
                promptIDs: try ChatTemplate.encode(messages, with: generator.tokenizer),
                sampling: turnSampling,
                limits: GenerationLimits(maxTokens: maxTokens, stopAtRepeatedSentence: decoding.stopRepeatedSentence ?? true,
                                         stopAtRepeatedPhrase: decoding.stopRepeatedSentence ?? true)) { token in
                    FileHandle.standardOutput.write(Data(token.text.utf8))
                    return true
                }
            FileHandle.standardOutput.write(Data("\n".utf8))
            messages.append(ChatMessage(role: .assistant, content: reply.text))
            turn += 1
        }
    }
}
