import Foundation

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

/// A model's chat template (`tokenizer.chat_template` of its GGUF), recognized by family and
/// rendered in code rather than by a Jinja interpreter:
/// - `chatML` (SmolLM2, Qwen2.5): `<|im_start|>ROLE\nCONTENT<|im_end|>\n` per turn, the template's
///   default system turn first when the conversation does not open with one, and
///   `<|im_start|>assistant\n` as the generation prompt;
/// - `llama3` (Llama 3.x): `<|begin_of_text|>`, then `<|start_header_id|>ROLE<|end_header_id|>\n\n
///   CONTENT<|eot_id|>` per turn (Llama 3.1+ templates open the system turn with their knowledge
///   and date lines), and the assistant header as the generation prompt.
/// A template of any other family is not guessed at: encoding with it throws.
public struct ChatTemplate: Sendable, Equatable {
    /// The template families this engine renders.
    public enum Family: String, Sendable {
        case chatML
        case llama3
    }

    /// The family, or nil when the file's template is of no known family.
    public let family: Family?
    /// The system message the template inserts when the first turn is not a system turn.
    public let defaultSystemMessage: String?
    /// Llama 3.1+: the lines the template puts before every system message.
    let systemPreamble: String?

    /// The template of a GGUF's `tokenizer.chat_template` text; a file without one is taken as
    /// ChatML without a default system turn when its vocabulary has the ChatML markers.
    init(template: String?, vocabularyHasChatML: Bool) {
        guard let template else {
            family = vocabularyHasChatML ? .chatML : nil
            defaultSystemMessage = nil
            systemPreamble = nil
            return
        }
        if template.contains("<|im_start|>") {
            family = .chatML
            defaultSystemMessage = Self.literalSystemTurn(in: template)
            systemPreamble = nil
        } else if template.contains("<|start_header_id|>") {
            family = .llama3
            defaultSystemMessage = nil
            systemPreamble = template.contains("Cutting Knowledge Date")
                ? "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n" : nil
        } else {
            family = nil
            defaultSystemMessage = nil
            systemPreamble = nil
        }
    }

    /// The first system turn the template writes as a literal (no Jinja inside it), e.g.
    /// `'<|im_start|>system\nYou are Qwen, …<|im_end|>\n'`; the newline may be written as an
    /// escape or be a real line break.
    static func literalSystemTurn(in template: String) -> String? {
        var rest = template[...]
        while let start = rest.range(of: "<|im_start|>system") {
            var after = rest[start.upperBound...]
            if after.hasPrefix("\\n") {
                after = after.dropFirst(2)
            } else if after.hasPrefix("\n") {
                after = after.dropFirst()
            }
            if let end = after.range(of: "<|im_end|>") {
                let text = after[..<end.lowerBound]
                if !text.isEmpty, !text.contains(where: { "{}'\"%".contains($0) }) {
                    return text.replacingOccurrences(of: "\\n", with: "\n")
                }
            }
            rest = after
        }
        return nil
    }

    /// The prompt text for `messages`.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) throws -> String {
        try segments(messages, addGenerationPrompt: addGenerationPrompt).map(\.text).joined()
    }

    /// The prompt's token ids for `messages`: the template's markers are control tokens, and the
    /// messages' contents are ordinary text even where they spell a control token, so nothing a
    /// user, a crawled page or a training sample says can open, close or fake a turn. When no
    /// content spells one, the ids equal `tokenizer.encode(render(messages))`.
    public func encode(_ messages: [ChatMessage], with tokenizer: Tokenizer, addGenerationPrompt: Bool = true) throws -> [Int] {
        try segments(messages, addGenerationPrompt: addGenerationPrompt).flatMap {
            tokenizer.encode($0.text, matchingSpecialTokens: $0.isMarker)
        }
    }

    /// `tokenizer`'s template applied to `messages` (see the instance method).
    public static func encode(_ messages: [ChatMessage], with tokenizer: Tokenizer, addGenerationPrompt: Bool = true) throws -> [Int] {
        try tokenizer.chatTemplate.encode(messages, with: tokenizer, addGenerationPrompt: addGenerationPrompt)
    }

    /// The template as pieces of text, each either a marker or the text around and between them.
    private func segments(_ messages: [ChatMessage], addGenerationPrompt: Bool) throws -> [(text: String, isMarker: Bool)] {
        var pieces: [(text: String, isMarker: Bool)] = []
        switch family {
        case .chatML:
            // A role's name and the newline after it travel with the content, which is how the
            // whole rendered string splits at its markers.
            func turn(_ role: ChatMessage.Role, _ content: String) {
                pieces += [("<|im_start|>", true), ("\(role.rawValue)\n\(content)", false), ("<|im_end|>", true), ("\n", false)]
            }
            if messages.first?.role != .system, let defaultSystemMessage { turn(.system, defaultSystemMessage) }
            for message in messages { turn(message.role, message.content) }
            if addGenerationPrompt { pieces += [("<|im_start|>", true), ("assistant\n", false)] }
        case .llama3:
            func header(_ role: String) {
                pieces += [("<|start_header_id|>", true), (role, false), ("<|end_header_id|>", true), ("\n\n", false)]
            }
            pieces.append(("<|begin_of_text|>", true))
            var turns = messages
            if let systemPreamble {
                if turns.first?.role == .system {
                    turns[0].content = systemPreamble + turns[0].content
                } else {
                    turns.insert(ChatMessage(role: .system, content: systemPreamble), at: 0)
                }
            }
            for message in turns {
                header(message.role.rawValue)
                pieces += [(message.content, false), ("<|eot_id|>", true)]
            }
            if addGenerationPrompt { header("assistant") }
        case nil:
            throw ChatTemplateError.unrecognized
        }
        return pieces
    }
}

/// The model's chat template is of a family this engine does not render.
public enum ChatTemplateError: Error, CustomStringConvertible, Equatable {
    case unrecognized

    public var description: String {
        "the model's tokenizer.chat_template is neither ChatML nor Llama 3; Twinlog renders only those families "
            + "and does not guess (use a raw prompt, without the chat template)"
    }
}
