/// The single-linkage tree of a spanning tree: merge k joins clusters `left[k]` and `right[k]`
/// at `distance[k]` into cluster `count + k` of `size[k]` points (points are clusters 0..<count).
/// scikit-learn's layout, which the condensed tree reads.
struct SingleLinkage {
    let count: Int
    private(set) var left: [Int] = []
    private(set) var right: [Int] = []
    private(set) var distance: [Double] = []
    private(set) var size: [Int] = []

    /// The edges are merged in order of weight (ties in the order given: a stable sort).
    init(edges: [Edge], count: Int) {
        self.count = count
        var parent = Array(0..<(2 * count - 1))
        var sizes = [Int](repeating: 1, count: 2 * count - 1)
        func root(_ x: Int) -> Int {
            var r = x
            while parent[r] != r { r = parent[r] }
            var y = x
            while parent[y] != r { (parent[y], y) = (r, parent[y]) }
            return r
        }
        let sorted = edges.enumerated().sorted { ($0.element.weight, $0.offset) < ($1.element.weight, $1.offset) }.map(\.element)
        for (k, edge) in sorted.enumerated() {
            let (a, b) = (root(edge.source), root(edge.target))
            let merged = count + k
            left.append(a)
            right.append(b)
            distance.append(edge.weight)
            size.append(sizes[a] + sizes[b])
            parent[a] = merged
            parent[b] = merged
            sizes[merged] = sizes[a] + sizes[b]
        }
    }

    /// Points (< count) count 1; a merge its size.
    func points(in node: Int) -> Int { node < count ? 1 : size[node - count] }

    /// `node` and everything under it, level by level.
    func breadthFirst(from node: Int) -> [Int] {
        var result: [Int] = [], level = [node]
        while !level.isEmpty {
            result += level
            level = level.filter { $0 >= count }.flatMap { [left[$0 - count], right[$0 - count]] }
        }
        return result
    }
}
