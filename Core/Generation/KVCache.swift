/// Keys and values of every position seen so far, per layer: [capacity × kvDim] each, grown by
/// doubling up to the model's context length so a short chat does not reserve 8k positions.
final class KVCache {
    let layers: Int
    let kvDim: Int
    let limit: Int
    private(set) var capacity: Int
    private(set) var keys: [UnsafeMutablePointer<Float>]
    private(set) var values: [UnsafeMutablePointer<Float>]

    init(layers: Int, kvDim: Int, limit: Int, initialCapacity: Int = 256) {
        self.layers = layers
        self.kvDim = kvDim
        self.limit = limit
        capacity = min(initialCapacity, limit)
        keys = (0..<layers).map { _ in .allocate(capacity: min(initialCapacity, limit) * kvDim) }
        values = (0..<layers).map { _ in .allocate(capacity: min(initialCapacity, limit) * kvDim) }
    }

    deinit {
        keys.forEach { $0.deallocate() }
        values.forEach { $0.deallocate() }
    }

    /// Makes room for `positions` positions, keeping the first `used`.
    func reserve(_ positions: Int, used: Int) {
        guard positions > capacity else { return }
        var grown = capacity
        while grown < positions { grown *= 2 }
        grown = min(grown, limit)
        func regrow(_ buffer: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<Float> {
            let fresh = UnsafeMutablePointer<Float>.allocate(capacity: grown * kvDim)
            fresh.update(from: buffer, count: used * kvDim)
            buffer.deallocate()
            return fresh
        }
        keys = keys.map(regrow)
        values = values.map(regrow)
        capacity = grown
    }
}
