extension HNSWGraph {
    /// Links a slot whose vector and level are already written into every layer up to its level
    /// (the paper's Algorithm 1): a walk finds efConstruction close live points per layer, the
    /// heuristic picks at most M diverse ones, and each chosen neighbour links back.
    func link(_ slot: Int32) {
        let level = self.level(slot)
        guard entryPoint >= 0 else {
            entryPoint = slot
            maxLevel = level
            return
        }
        let query = UnsafePointer(vector(slot))
        var current = entryPoint
        var currentDistance = distance(query, vector(current))
        if level < maxLevel {
            (current, currentDistance) = descend(
                query, from: current, distance: currentDistance, layer: maxLevel, lowestLayer: level + 1)
        }
        for layer in stride(from: min(level, maxLevel), through: 0, by: -1) {
            var found = searchLayer(query, entry: current, entryDistance: currentDistance, ef: efConstruction,
                                    layer: layer, scratch: writerScratch, admission: Admission(excluded: slot))
            if found.isEmpty {
                // Only tombstones around: link to them rather than not at all, or the point would
                // be unreachable; the tombstones' reuse will reroute these links.
                found = searchLayer(query, entry: current, entryDistance: currentDistance, ef: efConstruction,
                                    layer: layer, scratch: writerScratch,
                                    admission: Admission(excluded: slot, admitsTombstones: true))
            }
            guard let nearest = found.first else { continue }
            current = nearest.slot
            currentDistance = nearest.distance
            let chosen = selectNeighbours(found, limit: m)
            setLinks(slot, layer: layer, to: chosen)
            for neighbour in chosen {
                addLink(from: neighbour.slot, to: slot, distance: neighbour.distance, layer: layer)
            }
        }
        if level > maxLevel {
            entryPoint = slot
            maxLevel = level
        }
    }

    /// The paper's neighbour-selection heuristic (its Algorithm 4, as hnswlib applies it): walk the
    /// candidates from nearest, keeping one only if it is closer to the base point than to every
    /// neighbour kept so far. This keeps links pointing in different directions, which is what
    /// lets clustered data stay connected. `candidates` must be sorted by ascending distance.
    func selectNeighbours(_ candidates: [Candidate], limit: Int) -> [Candidate] {
        guard candidates.count > limit else { return candidates }
        var selected: [Candidate] = []
        selected.reserveCapacity(limit)
        for candidate in candidates {
            if selected.count >= limit { break }
            let point = UnsafePointer(vector(candidate.slot))
            var diverse = true
            for kept in selected where distance(point, vector(kept.slot)) < candidate.distance {
                diverse = false
                break
            }
            if diverse { selected.append(candidate) }
        }
        return selected
    }

    func setLinks(_ slot: Int32, layer: Int, to chosen: [Candidate]) {
        let list = links(slot, layer: layer)
        list[0] = Int32(chosen.count)
        for (index, candidate) in chosen.enumerated() { list[1 + index] = candidate.slot }
    }

    /// Adds `target` to `source`'s list; a full list is re-pruned with the heuristic, as hnswlib does.
    func addLink(from source: Int32, to target: Int32, distance targetDistance: Float, layer: Int) {
        let list = links(source, layer: layer)
        let linkCount = Int(list[0])
        for index in 0..<linkCount where list[1 + index] == target { return }
        if linkCount < maxLinks(layer: layer) {
            list[1 + linkCount] = target
            list[0] = Int32(linkCount + 1)
            return
        }
        let base = UnsafePointer(vector(source))
        var candidates = [Candidate(distance: targetDistance, slot: target)]
        candidates.reserveCapacity(linkCount + 1)
        for index in 0..<linkCount {
            let other = list[1 + index]
            candidates.append(Candidate(distance: distance(base, vector(other)), slot: other))
        }
        candidates.sort { $0.distance < $1.distance }
        setLinks(source, layer: layer, to: selectNeighbours(candidates, limit: maxLinks(layer: layer)))
    }
}
