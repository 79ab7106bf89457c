extension HNSWGraph {
    /// Unhooks a slot before it takes a new vector (an update, or the reuse of a tombstone).
    ///
    /// Every node that links to the slot gets its list rebuilt from its other links plus the slot's
    /// own neighbours, pruned by the heuristic: the paths that ran through the old point now run
    /// around it, so recall does not decay as deletes and re-inserts accumulate. The slot's own
    /// neighbours are checked, and so are the efConstruction nodes nearest to the old vector on each
    /// layer (found by a walk, as an insert finds its neighbours): links are built between near
    /// points, so the nodes that chose the slot without being chosen back are among them. A link
    /// that still escapes keeps pointing at the slot, hence at its new vector, as in hnswlib.
    func detach(_ slot: Int32) {
        if entryPoint == slot { moveEntryPoint(awayFrom: slot) }
        let level = self.level(slot)
        var near: [[Int32]] = Array(repeating: [], count: level + 1)
        if entryPoint >= 0 {
            let old = UnsafePointer(vector(slot))
            var current = entryPoint
            var currentDistance = distance(old, vector(current))
            if level < maxLevel {
                (current, currentDistance) = descend(
                    old, from: current, distance: currentDistance, layer: maxLevel, lowestLayer: level + 1)
            }
            for layer in stride(from: min(level, maxLevel), through: 0, by: -1) {
                let found = searchLayer(old, entry: current, entryDistance: currentDistance, ef: efConstruction,
                                        layer: layer, scratch: writerScratch,
                                        admission: Admission(excluded: slot, admitsTombstones: true))
                near[layer] = found.map(\.slot)
                if let nearest = found.first {
                    current = nearest.slot
                    currentDistance = nearest.distance
                }
            }
        }
        for layer in 0...level {
            let own = links(slot, layer: layer)
            let ownIds = (0..<Int(own[0])).map { own[1 + $0] }
            var checked = Set<Int32>()
            for node in ownIds + near[layer] where node != slot && checked.insert(node).inserted {
                reroute(node, around: slot, through: ownIds, layer: layer)
            }
            own[0] = 0
        }
    }

    /// Replaces the link from `node` to `removed` by the nearest of `removed`'s own neighbours that
    /// `node` does not link to yet. The rest of the list stays as it is: re-pruning the whole list
    /// with the heuristic would shrink it at every repair, and sparser lists lose recall.
    private func reroute(_ node: Int32, around removed: Int32, through bridges: [Int32], layer: Int) {
        let list = links(node, layer: layer)
        let linkCount = Int(list[0])
        guard let position = (0..<linkCount).first(where: { list[1 + $0] == removed }) else { return }
        let base = UnsafePointer(vector(node))
        var best: Int32 = -1
        var bestDistance = Float.infinity
        for bridge in bridges where bridge != node && bridge != removed {
            if (0..<linkCount).contains(where: { list[1 + $0] == bridge }) { continue }
            let d = distance(base, vector(bridge))
            if d < bestDistance {
                best = bridge
                bestDistance = d
            }
        }
        if best >= 0 {
            list[1 + position] = best
        } else {
            list[1 + position] = list[linkCount]
            list[0] = Int32(linkCount - 1)
        }
    }

    /// Picks the highest-level other slot as the entry point (none when the slot is the only one).
    private func moveEntryPoint(awayFrom slot: Int32) {
        var best: Int32 = -1
        var bestLevel = -1
        for other in 0..<Int32(count) where other != slot && Int(levels[Int(other)]) > bestLevel {
            best = other
            bestLevel = Int(levels[Int(other)])
        }
        entryPoint = best
        maxLevel = bestLevel
    }
}
