/// HDBSCAN (Campello, Moulavi and Sander 2013; McInnes and Healy 2017) with excess-of-mass
/// selection, as scikit-learn's `HDBSCAN` computes it, so its labels are our oracle
/// (`HDBSCANTests`, fixtures from scripts/make-hdbscan-golden.py).
///
/// Top to bottom: each point's core distance (the distance to its `minSamples`-th nearest
/// point, itself included); the mutual reachability of two points (the largest of their
/// distance and their core distances); a minimum spanning tree of it (Prim); the single-linkage
/// tree of the spanning tree's edges; the condensed tree, in which a split counts only when
/// both sides have `minClusterSize` points; each cluster's stability; the clusters that
/// maximise it (excess of mass); each point's label, its selected cluster or -1 (noise).
/// Euclidean distances in Double, as scikit-learn computes them on float64 input.
public struct HDBSCAN: Sendable, Equatable {
    public var minClusterSize: Int
    public var minSamples: Int

    /// `minSamples` defaults to `minClusterSize`, as in scikit-learn.
    public init(minClusterSize: Int = 5, minSamples: Int? = nil) {
        self.minClusterSize = minClusterSize
        self.minSamples = minSamples ?? minClusterSize
    }

    /// The label of each point: a cluster number (0, 1, ... in the order of the clusters' ids
    /// in the condensed tree, as scikit-learn numbers them) or -1 for noise.
    public func labels(of points: [[Float]]) throws(ClusteringError) -> [Int] {
        try check(points)
        guard points.count > 1 else { return Array(repeating: -1, count: points.count) }
        let distances = Distances(points)
        let core = distances.coreDistances(neighbours: minSamples)
        let edges = SpanningTree.prim(count: points.count) { i, j in max(distances[i, j], core[i], core[j]) }
        let linkage = SingleLinkage(edges: edges, count: points.count)
        let tree = CondensedTree(linkage, minClusterSize: minClusterSize)
        return tree.labels(selecting: tree.excessOfMass())
    }

    private func check(_ points: [[Float]]) throws(ClusteringError) {
        guard minClusterSize >= 2 else { throw ClusteringError("min_cluster_size must be at least 2, not \(minClusterSize)") }
        guard minSamples >= 1 else { throw ClusteringError("min_samples must be at least 1, not \(minSamples)") }
        guard minSamples <= points.count || points.count <= 1 else {
            throw ClusteringError("min_samples (\(minSamples)) is more than the \(points.count) points")
        }
        guard let width = points.first?.count else { return }
        for (index, point) in points.enumerated() {
            guard point.count == width else { throw ClusteringError("point \(index) has \(point.count) coordinates, point 0 has \(width)") }
            guard point.allSatisfy(\.isFinite) else { throw ClusteringError("point \(index) has a coordinate that is not a finite number") }
        }
    }
}

/// Settings or points HDBSCAN cannot work with.
public struct ClusteringError: Error, CustomStringConvertible, Equatable {
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}
