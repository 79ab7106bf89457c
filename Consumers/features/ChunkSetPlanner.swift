import TwinlogEvents
import TwinlogText

/// Applies a batch of changes, in order, to the chunk sets of the documents they touch, and says
/// what to publish: the chunks to embed (new ids only) and the chunks that vanished.
///
/// Pure: no I/O, so a batch replayed after a crash from the same stored states plans the same
/// effects. The net effect of several changes to one document in a batch is published once (an
/// insert then an edit embeds only the edit's chunks).
public struct ChunkSetPlanner {
    /// A chunk to embed and publish, with the document row it belongs to.
    public struct NewChunk: Sendable {
        public var piece: ChunkingScheme.Piece
        public var document: DocumentRow
        public var position: ChangePosition
    }

    /// The effects of a batch.
    public struct Plan: Sendable {
        /// The states to store before publishing: the loaded ones with every id about to be
        /// published marked unsettled, so a crash before `final` commits republishes them.
        public var pending: [ChunkSetState] = []
        /// The states to store, with the offsets, once everything was published.
        public var final: [ChunkSetState] = []
        public var embed: [NewChunk] = []
        public var removed: [(event: ChunkRemoved, position: ChangePosition)] = []
        /// Chunks of re-chunked documents whose id was already published: not embedded again.
        public var unchangedChunks = 0
        /// Changes at or before a document's last applied position.
        public var duplicates = 0
        /// Upserts whose content hash equals the stored one.
        public var unchangedDocuments = 0

        public var isEmpty: Bool { embed.isEmpty && removed.isEmpty }
    }

    private let chunker: Chunker
    private let scheme: ChunkingScheme
    private let initial: [String: ChunkSetState]
    private var states: [String: ChunkSetState]
    /// The pieces (by id) and row of each document re-chunked in this batch.
    private var rechunked: [String: (row: DocumentRow, pieces: [String: ChunkingScheme.Piece])] = [:]
    private var reasons: [String: String] = [:]
    private var plan = Plan()

    /// Starts from the stored states of every document the batch may touch.
    public init(chunker: Chunker, scheme: ChunkingScheme = .current, stored: [String: ChunkSetState]) {
        self.chunker = chunker
        self.scheme = scheme
        initial = stored
        states = stored
    }

    /// Applies one change; throws (changing nothing) when it cannot be applied.
    public mutating func apply(_ change: FeatureChange) throws(EventError) {
        let position = change.position
        switch change {
        case .upsert(let row, _):
            var state = states[row.documentId] ?? .unseen(row.documentId)
            guard state.position < position else { plan.duplicates += 1; return }
            // Same content under the same scheme changes nothing. Under another scheme the document
            // is re-chunked, when the change carries its text (an update that left a TOASTed text
            // alone does not: that document moves to the new scheme with its next content change).
            if state.exists, state.contentHash == row.contentHash, state.chunker == scheme.version || row.content == nil {
                state.authorId = row.authorId
                state.position = position
                states[row.documentId] = state
                plan.unchangedDocuments += 1
                return
            }
            guard let content = row.content else {
                throw EventError("document \(row.documentId) changed content (hash \(row.contentHash)) but the change does not carry it")
            }
            let pieces = scheme.pieces(of: row, content: content, chunker: chunker)
            state.authorId = row.authorId
            state.contentHash = row.contentHash
            state.chunker = scheme.version
            state.chunkIds = pieces.map(\.id)
            state.position = position
            states[row.documentId] = state
            rechunked[row.documentId] = (row, Dictionary(uniqueKeysWithValues: pieces.map { ($0.id, $0) }))
            reasons[row.documentId] = "document changed"
        case .delete(let documentId, _):
            let state = states[documentId] ?? .unseen(documentId)
            guard state.position < position else { plan.duplicates += 1; return }
            remove(state, at: position, reason: "document deleted")
        case .eraseAuthor(let authorId, _):
            for state in states.values where state.authorId == authorId && state.position < position {
                remove(state, at: position, reason: "author erased")
            }
        case .truncate:
            for state in states.values where state.exists && state.position < position {
                remove(state, at: position, reason: "warehouse truncated")
            }
        }
    }

    private mutating func remove(_ state: ChunkSetState, at position: ChangePosition, reason: String) {
        var gone = state
        gone.authorId = nil
        gone.contentHash = nil
        gone.chunker = nil
        gone.chunkIds = []
        gone.position = position
        states[state.documentId] = gone
        rechunked[state.documentId] = nil
        reasons[state.documentId] = reason
    }

    /// The effects of every change applied: per document, embed the ids it gained (and unsettled
    /// ids it holds), remove the ids it lost (and unsettled ids it does not hold).
    public mutating func finish() -> Plan {
        for (documentId, state) in states.sorted(by: { $0.key < $1.key }) {
            let before = initial[documentId] ?? .unseen(documentId)
            guard state != before else { continue }
            let had = Set(before.chunkIds), has = Set(state.chunkIds)
            var final = state
            final.unsettledIds = []
            var touched = Set<String>()
            if let (row, pieces) = rechunked[documentId] {
                for id in state.chunkIds where !had.contains(id) || before.unsettledIds.contains(id) {
                    plan.embed.append(NewChunk(piece: pieces[id]!, document: row, position: state.position))
                    touched.insert(id)
                }
                plan.unchangedChunks += state.chunkIds.count - touched.count
            } else {
                // Not re-chunked here: no texts to embed, so unsettled ids it still holds stay unsettled.
                final.unsettledIds = before.unsettledIds.intersection(has)
            }
            let authorId = before.authorId ?? state.authorId
            for id in had.union(before.unsettledIds).subtracting(has).sorted() {
                let event = ChunkRemoved(chunkId: id, documentId: documentId, authorId: authorId ?? "unknown",
                                         reason: reasons[documentId] ?? "document changed")
                plan.removed.append((event, state.position))
                touched.insert(id)
            }
            if !touched.isEmpty {
                var pending = before
                pending.unsettledIds.formUnion(touched)
                plan.pending.append(pending)
            }
            plan.final.append(final)
        }
        return plan
    }
}
