/// The condensed tree: the single-linkage tree read from the top, where a merge splits a
/// cluster only when both sides hold `minClusterSize` points; otherwise the smaller side's
/// points fall out of the cluster at that level (λ = 1 / distance). Rows are (parent cluster,
/// child cluster or point, λ, child's points), in scikit-learn's order; clusters are numbered
/// from `count` (the root) up.
struct CondensedTree {
    struct Row: Equatable {
        var parent: Int
        var child: Int
        var lambda: Double
        var size: Int
    }

    let count: Int
    private(set) var rows: [Row] = []

    init(_ linkage: SingleLinkage, minClusterSize: Int) {
        let n = linkage.count
        count = n
        let root = 2 * n - 2
        var relabel = [Int](repeating: 0, count: root + 1)
        relabel[root] = n
        var nextLabel = n + 1
        var ignore = [Bool](repeating: false, count: root + 1)
        for node in linkage.breadthFirst(from: root) where !ignore[node] && node >= n {
            let (left, right) = (linkage.left[node - n], linkage.right[node - n])
            let distance = linkage.distance[node - n]
            let lambda = distance > 0 ? 1 / distance : .infinity
            let (leftSize, rightSize) = (linkage.points(in: left), linkage.points(in: right))
            /// Every point under `side` leaves the cluster at this level.
            func fallOut(_ side: Int) {
                for sub in linkage.breadthFirst(from: side) {
                    if sub < n { rows.append(Row(parent: relabel[node], child: sub, lambda: lambda, size: 1)) }
                    ignore[sub] = true
                }
            }
            switch (leftSize >= minClusterSize, rightSize >= minClusterSize) {
            case (true, true):
                for (side, size) in [(left, leftSize), (right, rightSize)] {
                    relabel[side] = nextLabel
                    nextLabel += 1
                    rows.append(Row(parent: relabel[node], child: relabel[side], lambda: lambda, size: size))
                }
            case (false, false):
                fallOut(left)
                fallOut(right)
            case (false, true):
                relabel[right] = relabel[node]
                fallOut(left)
            case (true, false):
                relabel[left] = relabel[node]
                fallOut(right)
            }
        }
    }

    /// Each cluster's stability: Σ over its rows of (λ at which the child leaves − λ at which
    /// the cluster was born) × the child's points.
    func stabilities() -> [Int: Double] {
        guard let smallest = rows.map(\.parent).min(), let largest = rows.map(\.parent).max() else { return [:] }
        var births: [Int: Double] = [:]
        for row in rows { births[row.child] = row.lambda }
        births[smallest] = 0
        var result = [Double](repeating: 0, count: largest - smallest + 1)
        for row in rows { result[row.parent - smallest] += (row.lambda - births[row.parent]!) * Double(row.size) }
        return Dictionary(uniqueKeysWithValues: result.enumerated().map { (smallest + $0.offset, $0.element) })
    }

    /// Excess of mass: from the leaves up, a cluster is kept when it is more stable than its
    /// kept descendants together, and then they are not; the root is never a cluster.
    func excessOfMass() -> Set<Int> {
        var stability = stabilities()
        let clusterRows = rows.filter { $0.size > 1 }
        var children: [Int: [Int]] = [:]
        for row in clusterRows { children[row.parent, default: []].append(row.child) }
        let nodes = stability.keys.sorted(by: >).dropLast()  // the root, smallest, is left out
        var isCluster = Dictionary(uniqueKeysWithValues: nodes.map { ($0, true) })
        for node in nodes {
            let subtree = (children[node] ?? []).reduce(0.0) { $0 + stability[$1]! }
            if subtree > stability[node]! {
                isCluster[node] = false
                stability[node] = subtree
            } else {
                var level = children[node] ?? []
                while !level.isEmpty {
                    for sub in level { isCluster[sub] = false }
                    level = level.flatMap { children[$0] ?? [] }
                }
            }
        }
        return Set(isCluster.filter(\.value).keys)
    }

    /// Each point's label: the number of the first selected cluster above it (clusters numbered
    /// in the order of their ids), or -1 when none is below the root.
    func labels(selecting clusters: Set<Int>) -> [Int] {
        let numbers = Dictionary(uniqueKeysWithValues: clusters.sorted().enumerated().map { ($0.element, $0.offset) })
        var parent: [Int: Int] = [:]
        for row in rows { parent[row.child] = row.parent }
        return (0..<count).map { point in
            var node = parent[point]
            while let current = node, current != count {
                if let number = numbers[current] { return number }
                node = parent[current]
            }
            return -1
        }
    }
}
