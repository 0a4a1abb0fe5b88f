/// The adjusted Rand index of two labelings of the same points (Hubert and Arabie 1985), as
/// scikit-learn's `adjusted_rand_score` computes it: from the pair confusion matrix (pairs put
/// together by both, by one only, by neither), 1 for the same partition, about 0 for
/// unrelated ones. Noise (-1) counts as one more label, as there. SAGE calls consecutive
/// clusterings stable when it is high.
public func adjustedRandIndex(_ a: [Int], _ b: [Int]) throws(ClusteringError) -> Double {
    guard a.count == b.count else { throw ClusteringError("the labelings have \(a.count) and \(b.count) points") }
    let n = a.count
    var joint: [Pair: Int] = [:], rows: [Int: Int] = [:], columns: [Int: Int] = [:]
    for (x, y) in zip(a, b) {
        joint[Pair(x, y), default: 0] += 1
        rows[x, default: 0] += 1
        columns[y, default: 0] += 1
    }
    // Counts in Int, exact, as scikit-learn's int64 and Python's integers are.
    let squares = joint.values.reduce(0) { $0 + $1 * $1 }
    let byB = joint.reduce(0) { $0 + $1.value * columns[$1.key.b]! }  // Σ n_ij · (points with b's label j)
    let byA = joint.reduce(0) { $0 + $1.value * rows[$1.key.a]! }
    let together = squares - n, onlyA = byA - squares, onlyB = byB - squares
    let neither = n * n - onlyA - onlyB - squares
    guard onlyA != 0 || onlyB != 0 else { return 1 }
    return 2.0 * Double(together * neither - onlyA * onlyB)
        / Double((together + onlyA) * (onlyA + neither) + (together + onlyB) * (onlyB + neither))
}

private struct Pair: Hashable {
    let a: Int, b: Int
    init(_ a: Int, _ b: Int) { (self.a, self.b) = (a, b) }
}
