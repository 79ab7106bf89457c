import TwinlogLinalg

/// Which reached nodes may enter a walk's results. Every node may be walked through; tombstones,
/// the slot being inserted and points the filter rejects are never results.
struct Admission {
    var excluded: Int32 = -1
    var filter: CompiledFilter?
    /// Graph maintenance (repair, linking into an index of tombstones only) needs them as results.
    var admitsTombstones = false
}

extension HNSWGraph {
    /// Greedy descent (the paper's search with ef = 1) from `layer` down to `lowestLayer`, moving
    /// to any closer neighbour until none is closer; returns the closest node found.
    func descend(
        _ query: UnsafePointer<Float>, from start: Int32, distance startDistance: Float,
        layer: Int, lowestLayer: Int
    ) -> (slot: Int32, distance: Float) {
        var current = start
        var currentDistance = startDistance
        var layer = layer
        while layer >= lowestLayer {
            var moved = true
            while moved {
                moved = false
                let list = links(current, layer: layer)
                let linkCount = Int(list[0])
                for index in 0..<linkCount {
                    let neighbour = list[1 + index]
                    let d = distance(query, vector(neighbour))
                    if d < currentDistance {
                        currentDistance = d
                        current = neighbour
                        moved = true
                    }
                }
            }
            layer -= 1
        }
        return (current, currentDistance)
    }

    /// The layer search of the paper (its Algorithm 2) with hnswlib's rule for filtered walks: the
    /// walk stops once the nearest open candidate is farther than the worst of `ef` admitted
    /// results, and goes on while fewer than `ef` points have been admitted.
    /// Returns up to `ef` admitted nodes, nearest first.
    ///
    /// Arenas, marks and heaps are read into locals once: accesses to class properties carry
    /// exclusivity checks that cost more than the distance computations in debug builds.
    func searchLayer(
        _ query: UnsafePointer<Float>, entry: Int32, entryDistance: Float, ef: Int, layer: Int,
        scratch: SearchScratch, admission: Admission
    ) -> [Candidate] {
        var visited = scratch.visited
        var candidates = scratch.candidates
        var results = scratch.results
        defer {
            scratch.visited = visited
            scratch.candidates = candidates
            scratch.results = results
        }
        visited.begin(slots: count)
        candidates.removeAll()
        results.removeAll()
        let vectors = self.vectors
        let deleted = self.deleted
        let dimension = self.dimension
        let filter = admission.filter
        let excluded = admission.excluded
        let tombstonesAdmitted = admission.admitsTombstones
        let links0 = self.links0
        let stride = links0Stride

        _ = visited.insert(entry)
        candidates.push(-entryDistance, entry)
        var bound = Float.infinity
        if tombstonesAdmitted || !deleted[Int(entry)], entry != excluded, filter?.admits(entry) ?? true {
            results.push(entryDistance, entry)
            bound = entryDistance
        }

        while !candidates.isEmpty {
            let nearest = candidates.top
            if -nearest.distance > bound && results.count >= ef { break }
            candidates.pop()
            let list = layer == 0 ? links0 + Int(nearest.slot) * stride : links(nearest.slot, layer: layer)
            let linkCount = Int(list[0])
            for index in 0..<linkCount {
                let neighbour = list[1 + index]
                guard visited.insert(neighbour) else { continue }
                let d = 1 - BLAS.dot(query, vectors + Int(neighbour) * dimension, count: dimension)
                guard results.count < ef || d < bound else { continue }
                candidates.push(-d, neighbour)
                if tombstonesAdmitted || !deleted[Int(neighbour)], neighbour != excluded, filter?.admits(neighbour) ?? true {
                    if results.count < ef {
                        results.push(d, neighbour)
                    } else {
                        results.replaceTop(d, neighbour)
                    }
                    bound = results.top.distance
                }
            }
        }
        return results.drainAscending()
    }
}
