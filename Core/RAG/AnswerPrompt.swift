import TwinlogGeneration

/// Builds the ChatML prompt for an answer: a system message in the author's voice, the retrieved
/// chunks numbered as context (as many as fit the token budget, best first), and the question.
public struct AnswerPrompt: Sendable {
    /// The most prompt tokens the context may take.
    public var contextTokenBudget = 1_200

    public init() {}

    /// The prompt's token ids and the chunks that made it into the context.
    public func build(question: String, chunks: [RetrievedChunk], tokenizer: Tokenizer) -> (ids: [Int], used: [RetrievedChunk]) {
        var used: [RetrievedChunk] = []
        var context = ""
        var spent = 0
        for chunk in chunks {
            let entry = "[\(used.count + 1)] \(Self.neutralized(chunk.payload.title))\n\(Self.neutralized(chunk.payload.text))\n\n"
            let cost = tokenizer.encode(entry).count
            guard spent + cost <= contextTokenBudget else { continue }
            spent += cost
            context += entry
            used.append(chunk)
        }
        let authors = Set(used.map(\.payload.authorId)).sorted()
        let voice = authors.count == 1 ? "You write as \(authors[0]), in their own voice." : "You write in the voice of the texts below."
        let system = "\(voice) Answer the question using only the context. If the context does not hold the answer, say so."
        let asked = Self.neutralized(question)
        let user = context.isEmpty ? asked : "Context:\n\(context)Question: \(asked)"
        let text = ChatTemplate.render([ChatMessage(role: .system, content: system), ChatMessage(role: .user, content: user)])
        return (tokenizer.encode(text), used)
    }

    /// Untrusted text with ChatML's control markers broken up, so a question or a crawled page
    /// cannot open or close a turn of the conversation (the tokenizer matches them literally).
    static func neutralized(_ text: String) -> String {
        text.replacingOccurrences(of: "<|", with: "< |")
    }
}
