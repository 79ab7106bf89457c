/// One turn of a conversation.
public struct ChatMessage: Sendable, Equatable {
    /// Who speaks.
    public enum Role: String, Sendable { case system, user, assistant }
    /// The speaker.
    public var role: Role
    /// What they said.
    public var content: String

    public init(role: Role, content: String) {
        self.role = role
        self.content = content
    }
}

/// SmolLM2's ChatML template (the `tokenizer.chat_template` of its GGUF), rendered in code rather
/// than by a Jinja interpreter: `<|im_start|>ROLE\nCONTENT<|im_end|>\n` per turn, the default
/// system turn first when the conversation does not open with one, and `<|im_start|>assistant\n`
/// as the generation prompt.
public enum ChatTemplate {
    /// The system message the template inserts when the first turn is not a system turn.
    public static let defaultSystemMessage = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"

    /// The prompt text for `messages`.
    public static func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) -> String {
        var text = ""
        if messages.first?.role != .system {
            text += "<|im_start|>system\n\(defaultSystemMessage)<|im_end|>\n"
        }
        for message in messages {
            text += "<|im_start|>\(message.role.rawValue)\n\(message.content)<|im_end|>\n"
        }
        if addGenerationPrompt { text += "<|im_start|>assistant\n" }
        return text
    }
}
