/// Keys and values of every past position, per layer, so a decode step costs one token.
public struct KVCache: Sendable {
    public let capacity: Int
    /// Positions filled so far.
    public internal(set) var count = 0
    var keys: [[Float]]
    var values: [[Float]]

    public init(config: LlamaConfig, capacity: Int) {
        self.capacity = capacity
        keys = Array(repeating: [Float](repeating: 0, count: capacity * config.kvWidth), count: config.layers)
        values = keys
    }

    /// A cache of no positions that holds nothing: a placeholder while a cache is moved.
    public static let empty = KVCache(capacity: 0, keys: [], values: [])

    private init(capacity: Int, keys: [[Float]], values: [[Float]]) {
        self.capacity = capacity
        self.keys = keys
        self.values = values
    }

    /// Forgets every position after `count` (for reusing a shared prompt prefix).
    public mutating func truncate(to count: Int) {
        self.count = min(self.count, count)
    }
}
