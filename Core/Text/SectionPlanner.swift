/// Turns a document's section tree into the units structure-aware chunking packs: each unit is
/// one section, or a run of small sibling sections merged, and fits the window unless it is a
/// single section with no smaller parts (which the chunker then splits by lines or sentences).
///
/// Rules:
/// - a section that fits the window is one unit, however many parts it has;
/// - a section that does not fit is replaced by its parts, planned the same way; the parts that
///   fit whole are merged in runs of consecutive siblings (never across a part that had to be
///   split, and never with anything outside the parent), into as few units as fit the window,
///   and among those the most even ones, so no tiny unit is left where merging could avoid it;
/// - a unit's trail is its parent's trail plus: for one section, that section's names; for
///   several, "first … last" of the named ones (["class Trainer", "def a … def c"], each name
///   cut to half the usual length so the entry stays as short as one name), or the one
///   name if only one is named (imports merged with `def main` give ["def main"]), or nothing if
///   none is. The same rule names a whole unnamed section (the document) by its parts;
/// - a small unit (`leadLimit`) left just before a section that had to be split joins that
///   section's first chunk and takes its trail: "## Setup" or `class Trainer:` stays with the
///   text it introduces instead of becoming a chunk of a few pieces.
struct SectionPlanner {
    let source: SourceLines
    /// The UTF-8 offset where each word piece of the document starts, ascending.
    let pieceStarts: [Int]
    let window: Int

    /// Pieces `pieces` (indices into the document's word pieces), lying in `bytes`, with their trail.
    struct Unit: Equatable {
        var pieces: Range<Int>
        var bytes: Range<Int>
        var trail: [String]
    }

    func units(of root: SectionNode) -> [Unit] {
        plan(root, parent: []).units
    }

    /// A node's units, and whether they are the node whole (one unit that fits the window).
    private func plan(_ node: SectionNode, parent: [String]) -> (units: [Unit], whole: Bool) {
        let pieces = pieces(of: node)
        guard !pieces.isEmpty else { return ([], true) }
        if pieces.count <= window || node.children.isEmpty {
            let unit = Unit(pieces: pieces, bytes: source.byteRange(node.lines), trail: parent + entries(of: node))
            return ([unit], pieces.count <= window)
        }
        let trail = parent + node.names
        var units: [Unit] = []
        var run: [(unit: Unit, entries: [String])] = []
        for child in node.children {
            let planned = plan(child, parent: trail)
            if planned.whole, let unit = planned.units.first {
                run.append((unit, Array(unit.trail.dropFirst(trail.count))))
            } else if var first = planned.units.first {
                var groups = merged(run, trail: trail)
                run = []
                if let last = groups.last, leads(last, into: first) {
                    groups.removeLast()
                    first = Unit(pieces: last.pieces.lowerBound..<first.pieces.upperBound,
                                 bytes: last.bytes.lowerBound..<first.bytes.upperBound, trail: first.trail)
                }
                units += groups + [first] + planned.units.dropFirst()
            }
        }
        return (units + merged(run, trail: trail), false)
    }

    /// Whether a small unit just before a section that had to be split (a heading line, a class
    /// line, a YAML key, a few imports) joins that section's first unit rather than standing
    /// alone: when it has at most `leadLimit` pieces and the two fit the window together, or the
    /// first unit is a section too long for the window (the lead is then packed with its first lines).
    private func leads(_ unit: Unit, into first: Unit) -> Bool {
        unit.pieces.count <= leadLimit
            && (first.pieces.count > window || unit.pieces.count + first.pieces.count <= window)
    }

    /// The most pieces a unit may hold to join the split section after it: a heading or a
    /// signature, not a passage with a meaning of its own.
    private var leadLimit: Int { min(32, window / 4) }

    /// The trail entries a node adds: its names, or for an unnamed node those of its parts combined.
    private func entries(of node: SectionNode) -> [String] {
        guard node.names.isEmpty else { return node.names }
        return Self.combined(node.children.filter { !pieces(of: $0).isEmpty }.map(entries))
    }

    /// The entries of several merged sections: "first … last" of the named ones, the one name
    /// (with its details) if only one is named, none if none is.
    static func combined(_ entries: [[String]]) -> [String] {
        let named = entries.filter { !$0.isEmpty }
        guard named.count > 1 else { return named.first ?? [] }
        let half = SectionNode.labelLimit / 2
        return ["\(SectionNode.label(named.first![0], limit: half)) … \(SectionNode.label(named.last![0], limit: half))"]
    }

    /// Consecutive sibling units merged into as few units as fit the window, the most even way.
    private func merged(_ run: [(unit: Unit, entries: [String])], trail: [String]) -> [Unit] {
        guard !run.isEmpty else { return [] }
        // best[end]: the fewest groups for run[..<end], then the least sum of squared free room,
        // and where its last group starts.
        var best = [(groups: Int, cost: Int, start: Int)](repeating: (.max, .max, 0), count: run.count + 1)
        best[0] = (0, 0, 0)
        for end in 1...run.count {
            var size = 0
            for start in stride(from: end - 1, through: 0, by: -1) {
                size += run[start].unit.pieces.count
                guard size <= window else { break }
                let previous = best[start]
                let free = window - size
                let candidate = (groups: previous.groups + 1, cost: previous.cost + free * free)
                if (candidate.groups, candidate.cost) < (best[end].groups, best[end].cost) {
                    best[end] = (candidate.groups, candidate.cost, start)
                }
            }
        }
        var groups: [Range<Int>] = []
        var end = run.count
        while end > 0 {
            groups.append(best[end].start..<end)
            end = best[end].start
        }
        return groups.reversed().map { group in
            let first = run[group.lowerBound].unit
            let last = run[group.upperBound - 1].unit
            let entries = group.count == 1 ? run[group.lowerBound].entries : Self.combined(run[group].map(\.entries))
            return Unit(pieces: first.pieces.lowerBound..<last.pieces.upperBound,
                        bytes: first.bytes.lowerBound..<last.bytes.upperBound, trail: trail + entries)
        }
    }

    /// The pieces that start inside a node's bytes.
    private func pieces(of node: SectionNode) -> Range<Int> {
        let bytes = source.byteRange(node.lines)
        return pieceStarts.firstIndex(atLeast: bytes.lowerBound)..<pieceStarts.firstIndex(atLeast: bytes.upperBound)
    }
}
