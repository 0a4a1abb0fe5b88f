/// Keys and values of every past position, per layer, so a decode step costs one token.
///
/// Room for `capacity` positions is reserved but not written: each layer's arrays hold the
/// positions so far and grow into the room (the allocator maps it untouched), so a cache is
/// resident only for the positions it has used. Filling it with zeros up front made 16
/// sequences of 257 positions hold 190 MB however short their answers (docs/benchmarks.md).
public struct KVCache: Sendable {
    public let capacity: Int
    /// Positions filled so far.
    public internal(set) var count = 0
    /// Per layer: `count` positions of kvWidth floats (one step's more while a step runs).
    var keys: [[Float]]
    var values: [[Float]]
    private let kvWidth: Int

    public init(config: LlamaConfig, capacity: Int) {
        self.init(capacity: capacity, kvWidth: config.kvWidth, layers: config.layers)
    }

    /// A cache of no positions that holds nothing: a placeholder while a cache is moved.
    public static let empty = KVCache(capacity: 0, kvWidth: 0, layers: 0)

    private init(capacity: Int, kvWidth: Int, layers: Int) {
        self.capacity = capacity
        self.kvWidth = kvWidth
        func room() -> [Float] {
            var layer: [Float] = []
            layer.reserveCapacity(capacity * kvWidth)
            return layer
        }
        keys = (0..<layers).map { _ in room() }
        values = (0..<layers).map { _ in room() }
    }

    /// The same positions in a cache of their own, with room for `capacity` (at least `count`):
    /// what a kept prompt state hands each answer that starts from it, so neither's arrays are
    /// copied again when the other grows.
    func copy(capacity: Int) -> KVCache {
        var copy = KVCache(capacity: max(capacity, count), kvWidth: kvWidth, layers: keys.count)
        for l in keys.indices {
            copy.keys[l].append(contentsOf: keys[l])
            copy.values[l].append(contentsOf: values[l])
        }
        copy.count = count
        return copy
    }

    /// Forgets every position after `count` (for reusing a shared prompt prefix). The room stays.
    public mutating func truncate(to count: Int) {
        self.count = min(self.count, count)
        let floats = self.count * kvWidth
        for l in keys.indices {
            keys[l].removeSubrange(floats...)
            values[l].removeSubrange(floats...)
        }
    }
}
