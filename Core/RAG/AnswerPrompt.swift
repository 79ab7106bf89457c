import TwinlogGeneration
import TwinlogIndex

/// Builds the ChatML prompt for an answer: a system message in the author's voice that asks for a
/// short answer citing its sources as `[n]`, the retrieved chunks as context (as many as fit the
/// token budget, best first, each numbered by its rank among all the retrieved, which is its number
/// among the reply's sources), and the question.
/// The question and the chunks are encoded as ordinary text: no control token of the vocabulary
/// they spell (`<|im_start|>`, `<filename>`, …) becomes one.
public struct AnswerPrompt: Sendable {
    /// The most prompt tokens the context may take. 300 keeps the facts of 600 on the
    /// real-repository questions and cuts the time to the first piece by a third: the quotes,
    /// drawn from every retrieved source whether or not it fits here, carry most facts to the
    /// user (BENCHMARKS.md, "A 300-token answer prompt by default").
    public var contextTokenBudget = 300

    public init() {}

    /// The prompt's token ids and the chunks that made it into the context.
    public func build(question: String, chunks: [RetrievedChunk], tokenizer: Tokenizer) throws -> (ids: [Int], used: [RetrievedChunk]) {
        var used: [RetrievedChunk] = []
        var context = ""
        var spent = 0
        for (rank, chunk) in chunks.enumerated() {
            let entry = "[\(rank + 1)] \(chunk.payload.title)\n\(chunk.payload.text)\n\n"
            let cost = tokenizer.encode(entry, matchingSpecialTokens: false).count
            guard spent + cost <= contextTokenBudget else { continue }
            spent += cost
            context += entry
            used.append(chunk)
        }
        let authors = Set(used.map(\.payload.authorId)).sorted()
        let voice = authors.count == 1 ? "You write as \(authors[0]), in their own voice." : "You write in the voice of the texts below."
        let system = "\(voice) Answer the question in one or two short sentences, using only the context, and cite the sources you use by number, like [1]. If the context does not hold the answer, say so."
        let user = context.isEmpty ? question : "Context:\n\(context)Question: \(question)"
        let messages = [ChatMessage(role: .system, content: system), ChatMessage(role: .user, content: user)]
        return (try ChatTemplate.encode(messages, with: tokenizer), used)
    }
}
