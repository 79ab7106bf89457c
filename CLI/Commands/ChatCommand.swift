import ArgumentParser
import Foundation
import TwinlogGeneration

/// `twinlog chat`: an interactive ChatML conversation with SmolLM2 on the terminal.
struct ChatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Chat with the SmolLM2 language model (an empty line or end of input quits).")

    @OptionGroup var model: GeneratorModelOptions

    @Option(help: "The system message (default: the template's own).")
    var system: String?

    @Option(help: "Sampling temperature (0 is greedy).")
    var temperature: Float = 0.7

    @Option(name: .customLong("top-p"), help: "Nucleus sampling probability mass.")
    var topP: Float = 0.9

    @Option(help: "Seed of the sampler's random generator.")
    var seed: UInt64 = 0

    @Option(name: .customLong("max-tokens"), help: "At most this many tokens per reply.")
    var maxTokens: Int = 256

    func run() throws {
        let generator = try model.loadGenerator()
        var messages: [ChatMessage] = system.map { [ChatMessage(role: .system, content: $0)] } ?? []
        var turn: UInt64 = 0
        while true {
            FileHandle.standardOutput.write(Data("you> ".utf8))
            guard let line = readLine(), !line.trimmingCharacters(in: .whitespaces).isEmpty else { break }
            messages.append(ChatMessage(role: .user, content: line))
            FileHandle.standardOutput.write(Data("smollm> ".utf8))
            let reply = try generator.generate(
                promptIDs: ChatTemplate.encode(messages, with: generator.tokenizer),
                sampling: SamplingOptions(temperature: temperature, topP: topP, seed: seed &+ turn),
                limits: GenerationLimits(maxTokens: maxTokens)) { token in
                    FileHandle.standardOutput.write(Data(token.text.utf8))
                    return true
                }
            FileHandle.standardOutput.write(Data("\n".utf8))
            messages.append(ChatMessage(role: .assistant, content: reply.text))
            turn += 1
        }
    }
}
