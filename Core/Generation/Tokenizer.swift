/// The byte-level BPE tokenizer stored in a GGUF file (`tokenizer.ggml.model = gpt2`): control
/// tokens matched literally anywhere in the text, the declared pre-tokenizer, then BPE by merge
/// rank over the GPT-2 byte alphabet. No start-of-sequence token is added.
///
/// `decode(encode(text)) == text` for every string: decoding joins the bytes of all tokens before
/// UTF-8 decoding, because single tokens can hold partial UTF-8 sequences.
public struct Tokenizer: Sendable {
    /// Token strings by id, in the byte-level spelling (`Ġ` for a space).
    public let tokens: [String]
    /// The pre-tokenizer the file declares.
    public let preTokenizer: PreTokenizer
    /// The end-of-sequence token (`<|im_end|>` for SmolLM2-Instruct).
    public let eosID: Int
    /// The beginning-of-sequence token, which encode never adds by itself.
    public let bosID: Int?
    /// Whether prompts start with `bosID` (`tokenizer.ggml.add_bos_token`; Llama 3 yes, Qwen2 and
    /// SmolLM2 no). Chat templates write it themselves.
    public let addsBOS: Bool
    /// The tokens that end a generation: the end-of-sequence token and the turn and text enders
    /// the vocabulary has (`<|im_end|>`, `<|endoftext|>`, `<|eot_id|>`, `<|eom_id|>`, `<|end_of_text|>`).
    public let endOfGenerationIDs: Set<Int>
    /// The model's chat template.
    public let chatTemplate: ChatTemplate

    let tokenBytes: [[UInt8]]
    let idForToken: [String: Int]
    /// Merge rank and result for a pair of adjacent token ids, keyed by `left << 32 | right`.
    let merges: [UInt64: (rank: Int, merged: Int)]
    /// Control and user-defined tokens by their first byte, longest first, for literal matching.
    let specialsByFirstByte: [UInt8: [(bytes: [UInt8], id: Int)]]
    let specialIDs: Set<Int>
    let byteTokenIDs: [Int?]

    /// Builds the tokenizer from the `tokenizer.ggml.*` metadata of a GGUF file.
    public init(gguf: GGUFFile) throws {
        func fail(_ message: String) -> GGUFError { GGUFError(path: gguf.path, offset: nil, message) }
        let model = try gguf.requiredString("tokenizer.ggml.model")
        guard model == "gpt2" else { throw fail("tokenizer.ggml.model is \(model); only byte-level BPE (gpt2) is supported") }
        let preName = gguf.metadata["tokenizer.ggml.pre"]?.stringValue ?? "default"
        guard let pre = PreTokenizer(ggufName: preName) else {
            throw fail("tokenizer.ggml.pre is \(preName), a pre-tokenizer this code does not implement (known: \(PreTokenizer.knownNames))")
        }
        guard let tokenValues = try gguf.required("tokenizer.ggml.tokens").arrayValue else {
            throw fail("tokenizer.ggml.tokens is not an array")
        }
        let tokens = try tokenValues.enumerated().map { index, value in
            guard let s = value.stringValue else { throw fail("tokenizer.ggml.tokens[\(index)] is not a string") }
            return s
        }
        let types: [Int]
        if let typeValues = gguf.metadata["tokenizer.ggml.token_type"]?.arrayValue {
            guard typeValues.count == tokens.count else {
                throw fail("tokenizer.ggml.token_type has \(typeValues.count) entries for \(tokens.count) tokens")
            }
            types = typeValues.map { $0.intValue ?? 1 }
        } else {
            types = Array(repeating: 1, count: tokens.count)
        }
        guard let mergeValues = try gguf.required("tokenizer.ggml.merges").arrayValue else {
            throw fail("tokenizer.ggml.merges is not an array")
        }
        try self.init(tokens: tokens, types: types, merges: mergeValues.map { $0.stringValue ?? "" },
                      preTokenizer: pre,
                      eosID: gguf.metadata["tokenizer.ggml.eos_token_id"]?.intValue ?? 0,
                      bosID: gguf.metadata["tokenizer.ggml.bos_token_id"]?.intValue,
                      addsBOS: gguf.metadata["tokenizer.ggml.add_bos_token"]?.boolValue ?? false,
                      chatTemplate: gguf.metadata["tokenizer.chat_template"]?.stringValue,
                      fail: fail)
    }

    init(tokens: [String], types: [Int], merges mergeStrings: [String], preTokenizer: PreTokenizer,
         eosID: Int, bosID: Int?, addsBOS: Bool = false, chatTemplate: String? = nil, fail: (String) -> GGUFError) throws {
        var idForToken: [String: Int] = [:]
        idForToken.reserveCapacity(tokens.count)
        for (id, token) in tokens.enumerated() where idForToken[token] == nil { idForToken[token] = id }

        // Token types 3 (control) and 4 (user-defined) are matched as literal text.
        var specials: [UInt8: [(bytes: [UInt8], id: Int)]] = [:]
        var specialIDs = Set<Int>()
        var tokenBytes: [[UInt8]] = []
        tokenBytes.reserveCapacity(tokens.count)
        for (id, token) in tokens.enumerated() {
            if types[id] == 3 || types[id] == 4, let first = token.utf8.first {
                specials[first, default: []].append((Array(token.utf8), id))
                specialIDs.insert(id)
                tokenBytes.append(Array(token.utf8))
            } else {
                tokenBytes.append(ByteLevel.bytes(of: token) ?? Array(token.utf8))
            }
        }
        for key in specials.keys { specials[key]!.sort { $0.bytes.count > $1.bytes.count } }

        // Bytes without a vocabulary token (SmolLM2 lacks a few control bytes and the bytes that
        // never occur in UTF-8) are dropped, as transformers' BPE does when no unknown token is set.
        let byteTokenIDs = (0..<256).map { idForToken[String(Character(ByteLevel.characterForByte[$0]))] }

        var merges: [UInt64: (rank: Int, merged: Int)] = [:]
        merges.reserveCapacity(mergeStrings.count)
        for (rank, merge) in mergeStrings.enumerated() {
            let parts = merge.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, let left = idForToken[String(parts[0])], let right = idForToken[String(parts[1])],
                  let merged = idForToken[String(parts[0]) + String(parts[1])] else {
                throw fail("tokenizer.ggml.merges[\(rank)] \"\(merge)\" does not join two vocabulary tokens into one")
            }
            let key = UInt64(left) << 32 | UInt64(right)
            if merges[key] == nil { merges[key] = (rank, merged) }
        }
        guard (0..<tokens.count).contains(eosID) else { throw fail("the end-of-sequence id \(eosID) is not in the vocabulary") }
        if let bosID, !(0..<tokens.count).contains(bosID) {
            throw fail("the beginning-of-sequence id \(bosID) is not in the vocabulary")
        }
        let enders = ["<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|eom_id|>", "<|end_of_text|>"]

        self.tokens = tokens
        self.preTokenizer = preTokenizer
        self.eosID = eosID
        self.bosID = bosID
        self.addsBOS = addsBOS && bosID != nil
        self.endOfGenerationIDs = Set([eosID] + enders.compactMap { idForToken[$0] }.filter { specialIDs.contains($0) })
        self.chatTemplate = ChatTemplate(template: chatTemplate,
                                         vocabularyHasChatML: idForToken["<|im_start|>"] != nil && idForToken["<|im_end|>"] != nil)
        self.tokenBytes = tokenBytes
        self.idForToken = idForToken
        self.merges = merges
        self.specialsByFirstByte = specials
        self.specialIDs = specialIDs
        self.byteTokenIDs = byteTokenIDs
    }

    /// The number of tokens in the vocabulary.
    public var vocabularySize: Int { tokens.count }

    /// The id of a token given in its vocabulary spelling (e.g. `<|im_end|>`), if it exists.
    public func id(of token: String) -> Int? { idForToken[token] }

    /// Whether an id is a control or user-defined token (matched literally, not by BPE).
    public func isSpecial(_ id: Int) -> Bool { specialIDs.contains(id) }

    /// The token ids of `text`. With `matchingSpecialTokens` (the default, for text the program
    /// writes, such as a chat template's markers) a control token's spelling becomes that token;
    /// without it every byte is ordinary text, which is how untrusted text (a question, a crawled
    /// page, a training sample) must be encoded so it cannot open or close a turn.
    public func encode(_ text: String, matchingSpecialTokens: Bool = true) -> [Int] {
        var ids: [Int] = []
        let bytes = Array(text.utf8)
        guard matchingSpecialTokens else {
            encodeOrdinary(bytes[...], into: &ids)
            return ids
        }
        var segmentStart = 0
        var i = 0
        while i < bytes.count {
            if let candidates = specialsByFirstByte[bytes[i]],
               let hit = candidates.first(where: { Self.matches($0.bytes, in: bytes, at: i) }) {
                encodeOrdinary(bytes[segmentStart..<i], into: &ids)
                ids.append(hit.id)
                i += hit.bytes.count
                segmentStart = i
            } else {
                i += 1
            }
        }
        encodeOrdinary(bytes[segmentStart..<bytes.count], into: &ids)
        return ids
    }

    /// The ids of a raw prompt: `encode(text)`, after the beginning-of-sequence token when the
    /// model asks for one and the text does not already start with it.
    public func promptIDs(_ text: String) -> [Int] {
        let ids = encode(text)
        guard addsBOS, let bosID, ids.first != bosID else { return ids }
        return [bosID] + ids
    }

    static func matches(_ needle: [UInt8], in haystack: [UInt8], at i: Int) -> Bool {
        guard haystack.count - i >= needle.count else { return false }
        for k in 0..<needle.count where haystack[i + k] != needle[k] { return false }
        return true
    }

    /// Text between special tokens: pre-tokenize, then BPE each piece. Special-token boundaries
    /// are ASCII, so the slice is always valid UTF-8.
    func encodeOrdinary(_ bytes: ArraySlice<UInt8>, into ids: inout [Int]) {
        guard !bytes.isEmpty else { return }
        for piece in preTokenizer.split(String(decoding: bytes, as: UTF8.self)) {
            // Llama 3's tokenizer takes a piece that is itself a token whole (`ignore_merges`).
            if preTokenizer == .llama3, let whole = idForToken[ByteLevel.spell(piece.utf8)], !specialIDs.contains(whole) {
                ids.append(whole)
                continue
            }
            ids.append(contentsOf: bpe(piece.utf8.compactMap { byteTokenIDs[Int($0)] }))
        }
    }

    /// Byte-pair merging: repeatedly join every occurrence of the adjacent pair with the lowest rank.
    func bpe(_ start: [Int]) -> [Int] {
        var symbols = start
        while symbols.count > 1 {
            var best: (rank: Int, merged: Int, left: Int, right: Int)?
            for k in 0..<(symbols.count - 1) {
                if let m = merges[UInt64(symbols[k]) << 32 | UInt64(symbols[k + 1])], m.rank < (best?.rank ?? .max) {
                    best = (m.rank, m.merged, symbols[k], symbols[k + 1])
                }
            }
            guard let best else { break }
            var next: [Int] = []
            next.reserveCapacity(symbols.count)
            var k = 0
            while k < symbols.count {
                if k + 1 < symbols.count && symbols[k] == best.left && symbols[k + 1] == best.right {
                    next.append(best.merged)
                    k += 2
                } else {
                    next.append(symbols[k])
                    k += 1
                }
            }
            symbols = next
        }
        return symbols
    }

    /// The bytes that token ids stand for; ids outside the vocabulary are an error.
    public func bytes(of ids: [Int]) throws -> [UInt8] {
        var out: [UInt8] = []
        for (position, id) in ids.enumerated() {
            guard id >= 0 && id < tokenBytes.count else { throw TokenizerError.unknownID(id, position: position) }
            out.append(contentsOf: tokenBytes[id])
        }
        return out
    }

    /// The text of token ids; invalid UTF-8 (a cut-off sequence) becomes U+FFFD.
    public func decode(_ ids: [Int], skipSpecial: Bool = false) throws -> String {
        let kept = skipSpecial ? ids.filter { !specialIDs.contains($0) } : ids
        return String(decoding: try bytes(of: kept), as: UTF8.self)
    }
}

/// A token id that is not in the vocabulary.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    case unknownID(Int, position: Int)

    public var description: String {
        switch self {
        case .unknownID(let id, let position): return "token id \(id) at position \(position) is not in the vocabulary"
        }
    }
}
