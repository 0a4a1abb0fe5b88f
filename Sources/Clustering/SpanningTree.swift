/// One edge of a minimum spanning tree: `source` in the tree, `target` joining it.
struct Edge: Equatable {
    var source: Int
    var target: Int
    var weight: Double
}

enum SpanningTree {
    /// Prim's algorithm from point 0 on the complete graph whose edge weights `weight` gives:
    /// the edges in the order their targets join. Each step takes the first point, by index,
    /// of those at the smallest distance from the tree (scikit-learn's order, so ties resolve
    /// as there).
    static func prim(count: Int, weight: (Int, Int) -> Double) -> [Edge] {
        var inTree = [Bool](repeating: false, count: count)
        var best = [Double](repeating: .infinity, count: count)
        var source = [Int](repeating: 0, count: count)
        var edges: [Edge] = []
        edges.reserveCapacity(count - 1)
        var current = 0
        for _ in 0..<(count - 1) {
            inTree[current] = true
            var next = -1, nextWeight = Double.infinity
            for j in 0..<count where !inTree[j] {
                let w = weight(current, j)
                if w < best[j] {
                    best[j] = w
                    source[j] = current
                }
                if next < 0 || best[j] < nextWeight {
                    next = j
                    nextWeight = best[j]
                }
            }
            edges.append(Edge(source: source[next], target: next, weight: nextWeight))
            current = next
        }
        return edges
    }
}
