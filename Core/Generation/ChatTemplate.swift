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
        segments(messages, addGenerationPrompt: addGenerationPrompt).map(\.text).joined()
    }

    /// The prompt's token ids for `messages`: the template's markers are control tokens, and the
    /// messages' contents are ordinary text even where they spell a control token, so nothing a
    /// user, a crawled page or a training sample says can open, close or fake a turn. When no
    /// content spells one, the ids equal `tokenizer.encode(render(messages))`.
    public static func encode(_ messages: [ChatMessage], with tokenizer: Tokenizer, addGenerationPrompt: Bool = true) -> [Int] {
        segments(messages, addGenerationPrompt: addGenerationPrompt).flatMap {
            tokenizer.encode($0.text, matchingSpecialTokens: $0.isMarker)
        }
    }

    /// The template as pieces of text, each either a marker or the text around and between them.
    /// A role's name and the newline after it travel with the content, which is how the whole
    /// rendered string splits at its markers.
    private static func segments(_ messages: [ChatMessage], addGenerationPrompt: Bool) -> [(text: String, isMarker: Bool)] {
        var pieces: [(text: String, isMarker: Bool)] = []
        func turn(_ role: ChatMessage.Role, _ content: String) {
            pieces += [(start, true), ("\(role.rawValue)\n\(content)", false), (end, true), ("\n", false)]
        }
        if messages.first?.role != .system { turn(.system, defaultSystemMessage) }
        for message in messages { turn(message.role, message.content) }
        if addGenerationPrompt { pieces += [(start, true), ("assistant\n", false)] }
        return pieces
    }

    private static let start = "<|im_start|>"
    private static let end = "<|im_end|>"
}
