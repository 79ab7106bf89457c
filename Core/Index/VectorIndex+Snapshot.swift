import Foundation

/// Snapshots: the whole index with the log position it reflects, in one checksummed file.
///
/// Body layout, version 3 (inside the envelope of `SnapshotHeader`, little-endian):
///
///     configuration   dimension, m, efConstruction, efSearch, exactSearchThreshold (u32 each), seed (u64)
///     level state     u64, so inserts after a load draw the same levels as without the save
///     log position    u32 length + bytes (opaque: the topic offsets the index reflects)
///     slots           u32 count, entry point (i32, -1 when empty), top level (i32)
///     per slot        state u8 (0 live, 1 tombstone), level u8; live slots then carry the key and
///                     the payload (authorId, platform, kind, documentId, title, url, text) as
///                     u32 length + UTF-8 each, then the document date as the f64 bit pattern of
///                     its seconds since 1970 (NaN when the payload has none), then the source and
///                     the section as u32 length + UTF-8 each
///
/// The lexical (BM25) index is not stored: it is a pure function of the payloads, rebuilt from
/// them while loading, so it always reflects the same log position as the vectors.
///     free slots      u32 count + i32 slots: the tombstones in the order inserts will reuse them
///     vectors         count × dimension float32
///     links           per slot, per layer 0…level: u32 count + i32 neighbour slots
///
/// Loading checks every count, id and level against the others before building anything, so a
/// snapshot that passes the checksum but was written wrongly is still refused, never half-loaded.
extension VectorIndex {
    /// The complete snapshot file of the index as it is now.
    public func encodeSnapshot() throws(IndexError) -> [UInt8] {
        // Serialize under the read lock (writers wait, searches go on), compress outside it.
        let body = withReadAccess { encodeBody() }
        return try SnapshotHeader.seal(body: body)
    }

    /// Writes a snapshot atomically: a crash leaves the previous file or the new one, never a mix.
    public func save(to url: URL) throws(IndexError) {
        let bytes = try encodeSnapshot()
        do {
            try Data(bytes).write(to: url, options: .atomic)
        } catch {
            throw .snapshotIO(path: url.path, reason: error.localizedDescription)
        }
    }

    /// Rebuilds an index from snapshot bytes; throws `IndexError.corruptSnapshot` saying what was
    /// wrong when the bytes are damaged, truncated or not a snapshot.
    public static func decodeSnapshot(_ file: [UInt8]) throws(IndexError) -> VectorIndex {
        let (_, body) = try SnapshotHeader.open(file)
        return try decodeBody(body)
    }

    /// Loads a snapshot file (see `decodeSnapshot`).
    public static func load(from url: URL) throws(IndexError) -> VectorIndex {
        try decodeSnapshot(readFile(url))
    }

    /// Reads and verifies only the envelope of a snapshot file (checksum included).
    public static func snapshotHeader(of url: URL) throws(IndexError) -> SnapshotHeader {
        try SnapshotHeader.open(readFile(url)).0
    }

    private static func readFile(_ url: URL) throws(IndexError) -> [UInt8] {
        do {
            return [UInt8](try Data(contentsOf: url))
        } catch {
            throw .snapshotIO(path: url.path, reason: error.localizedDescription)
        }
    }

    private func encodeBody() -> [UInt8] {
        let c = configuration
        var out = ByteWriter()
        out.reserve(graph.count * (graph.dimension * 4 + graph.links0Stride * 4 + 64) + 1024)
        for value in [c.dimension, c.m, c.efConstruction, c.efSearch, c.exactSearchThreshold] {
            out.u32(UInt32(value))
        }
        out.u64(c.seed)
        out.u64(graph.levelGenerator.state)
        out.blob(storedLogPosition)
        out.u32(UInt32(graph.count))
        out.i32(graph.entryPoint)
        out.i32(Int32(graph.maxLevel))
        for slot in 0..<Int32(graph.count) {
            out.u8(graph.isDeleted(slot) ? 1 : 0)
            out.u8(UInt8(graph.level(slot)))
            if !graph.isDeleted(slot), let key = store.keys[Int(slot)], let payload = store.payloads[Int(slot)] {
                out.string(key)
                for text in [payload.authorId, payload.platform, payload.kind, payload.documentId,
                             payload.title, payload.url, payload.text] {
                    out.string(text)
                }
                out.u64((payload.documentDate?.timeIntervalSince1970 ?? .nan).bitPattern)
                out.string(payload.source)
                out.string(payload.section)
            }
        }
        out.u32(UInt32(freeSlots.count))
        for slot in freeSlots { out.i32(slot) }
        out.floats(graph.vectors, count: graph.count * graph.dimension)
        for slot in 0..<Int32(graph.count) {
            for layer in 0...graph.level(slot) {
                let list = graph.links(slot, layer: layer)
                out.u32(UInt32(list[0]))
                for index in 0..<Int(list[0]) { out.i32(list[1 + index]) }
            }
        }
        return out.bytes
    }

    private static func decodeBody(_ body: [UInt8]) throws(IndexError) -> VectorIndex {
        var input = ByteReader(body)
        var numbers: [Int] = []
        for field in ["dimension", "m", "efConstruction", "efSearch", "exactSearchThreshold"] {
            numbers.append(Int(try input.u32(field)))
        }
        let configuration = IndexConfiguration(
            dimension: numbers[0], m: numbers[1], efConstruction: numbers[2], efSearch: numbers[3],
            exactSearchThreshold: numbers[4], seed: try input.u64("seed"))
        let index: VectorIndex
        do {
            index = try VectorIndex(configuration: configuration)
        } catch {
            throw .corruptSnapshot("stored configuration is invalid: \(error)")
        }
        let graph = index.graph
        graph.levelGenerator = LevelGenerator(state: try input.u64("level state"), m: configuration.m)
        index.storedLogPosition = try input.blob("log position")

        let slotCount = Int(try input.u32("slot count"))
        // Every slot takes at least its two state bytes, a vector and its layer-0 link count: a
        // cheap bound before allocating.
        guard slotCount <= input.remaining / (2 + 4 * configuration.dimension + 4) else {
            throw .corruptSnapshot("slot count \(slotCount) does not fit in the \(input.remaining) remaining bytes")
        }
        let entryPoint = try input.i32("entry point")
        let maxLevel = Int(try input.i32("top level"))
        graph.reserve(slotCount)
        var tombstones = Set<Int32>()
        for slot in 0..<Int32(slotCount) {
            let state = try input.u8("state of slot \(slot)")
            let level = Int(try input.u8("level of slot \(slot)"))
            guard state <= 1 else { throw .corruptSnapshot("slot \(slot) has unknown state \(state)") }
            guard level <= LevelGenerator.maxLevel else {
                throw .corruptSnapshot("slot \(slot) has level \(level), above \(LevelGenerator.maxLevel)")
            }
            _ = graph.appendSlot()
            graph.setLevel(slot, level)
            if state == 1 {
                graph.markDeleted(slot)
                tombstones.insert(slot)
                continue
            }
            let key = try input.string("key of slot \(slot)")
            var texts: [String] = []
            for field in ["authorId", "platform", "kind", "documentId", "title", "url", "text"] {
                texts.append(try input.string("\(field) of slot \(slot)"))
            }
            let storedDate = Double(bitPattern: try input.u64("document date of slot \(slot)"))
            guard storedDate.isNaN || storedDate.isFinite else { throw .corruptSnapshot("slot \(slot) has an infinite document date") }
            let source = try input.string("source of slot \(slot)")
            let section = try input.string("section of slot \(slot)")
            guard index.store.slot(for: key) == nil else {
                throw .corruptSnapshot("key \"\(key)\" is stored twice (slots \(index.store.slot(for: key)!) and \(slot))")
            }
            index.assign(slot, key: key, payload: ChunkPayload(
                authorId: texts[0], platform: texts[1], kind: texts[2], documentId: texts[3],
                title: texts[4], url: texts[5], text: texts[6],
                documentDate: storedDate.isNaN ? nil : Date(timeIntervalSince1970: storedDate), source: source, section: section))
        }
        let freeCount = Int(try input.u32("free slot count"))
        guard freeCount == tombstones.count else {
            throw .corruptSnapshot("free list has \(freeCount) slots for \(tombstones.count) tombstones")
        }
        for position in 0..<freeCount {
            let slot = try input.i32("free slot \(position)")
            guard tombstones.remove(slot) != nil else {
                throw .corruptSnapshot("free slot \(slot) is not a tombstone, or is listed twice")
            }
            index.freeSlots.append(slot)
        }
        try input.floats(into: graph.vectors, count: slotCount * configuration.dimension, "vectors")
        for slot in 0..<Int32(slotCount) {
            for layer in 0...graph.level(slot) {
                try decodeLinks(of: slot, layer: layer, from: &input, into: graph)
            }
        }
        guard input.isAtEnd else {
            throw .corruptSnapshot("\(input.remaining) unexpected bytes after the links")
        }
        try checkEntryPoint(entryPoint, maxLevel: maxLevel, graph: graph)
        graph.entryPoint = entryPoint
        graph.maxLevel = maxLevel
        return index
    }

    private static func decodeLinks(
        of slot: Int32, layer: Int, from input: inout ByteReader, into graph: HNSWGraph
    ) throws(IndexError) {
        let linkCount = Int(try input.u32("link count of slot \(slot) on layer \(layer)"))
        guard linkCount <= graph.maxLinks(layer: layer) else {
            throw .corruptSnapshot("slot \(slot) has \(linkCount) links on layer \(layer), "
                + "at most \(graph.maxLinks(layer: layer)) allowed")
        }
        let list = graph.links(slot, layer: layer)
        list[0] = Int32(linkCount)
        for position in 0..<linkCount {
            let neighbour = try input.i32("link of slot \(slot) on layer \(layer)")
            // A link must point at another existing slot that lives on this layer, or walks would
            // read outside the link arenas.
            guard neighbour >= 0, Int(neighbour) < graph.count, neighbour != slot,
                  graph.level(neighbour) >= layer else {
                throw .corruptSnapshot("slot \(slot) links to \(neighbour) on layer \(layer), "
                    + "which is not a slot on that layer")
            }
            list[1 + position] = neighbour
        }
    }

    private static func checkEntryPoint(_ entry: Int32, maxLevel: Int, graph: HNSWGraph) throws(IndexError) {
        guard graph.count > 0 else {
            guard entry == -1, maxLevel == -1 else {
                throw .corruptSnapshot("an empty index has entry point \(entry) and top level \(maxLevel)")
            }
            return
        }
        guard entry >= 0, Int(entry) < graph.count, graph.level(entry) == maxLevel else {
            throw .corruptSnapshot("entry point \(entry) with top level \(maxLevel) is not a slot of that level")
        }
        for slot in 0..<Int32(graph.count) where graph.level(slot) > maxLevel {
            throw .corruptSnapshot("slot \(slot) is above the top level \(maxLevel)")
        }
    }
}
