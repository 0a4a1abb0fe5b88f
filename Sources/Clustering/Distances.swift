import Dispatch
import Foundation

/// Euclidean distances between every two points, in Double, stored once per pair. Each sum of
/// squares runs over the coordinates in order, as scikit-learn's euclidean distance does.
struct Distances {
    let count: Int
    /// Row i holds the distances from i to i+1, ..., count-1.
    private var upper: [Double]
    private let rowStart: [Int]

    init(_ points: [[Float]]) {
        count = points.count
        let width = points.first?.count ?? 0
        var starts = [Int](repeating: 0, count: count)
        for i in stride(from: 1, to: count, by: 1) { starts[i] = starts[i - 1] + (count - i) }
        rowStart = starts
        let flat = points.flatMap { $0.map(Double.init) }
        upper = [Double](repeating: 0, count: count * (count - 1) / 2)
        upper.withUnsafeMutableBufferPointer { out in
            flat.withUnsafeBufferPointer { x in
                // Rows dealt round-robin to the workers (row i has count-i-1 pairs, so this
                // balances them); every pair is summed the same way whatever the split.
                let (xs, ys, starts, n) = (UnsafeShared(x.baseAddress!), UnsafeShared(out.baseAddress!), starts, points.count)
                let workers = min(Distances.workers, max(1, n / 64))
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    for i in stride(from: worker, to: n, by: workers) {
                        Self.row(i, of: xs.pointer, count: n, width: width, into: ys.pointer + starts[i] - i - 1)
                    }
                }
            }
        }
    }

    /// Threads the pairs are computed on.
    static let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// The distances from point i to i+1, ..., count-1, into row[j].
    private static func row(_ i: Int, of x: UnsafePointer<Double>, count: Int, width: Int, into row: UnsafeMutablePointer<Double>) {
        let a = x + i * width
        var j = i + 1
        // Four points at a time: four independent sums keep the adder busy, each in
        // coordinate order.
        while j + 4 <= count {
            let (b0, b1, b2, b3) = (x + j * width, x + (j + 1) * width, x + (j + 2) * width, x + (j + 3) * width)
            var (s0, s1, s2, s3) = (0.0, 0.0, 0.0, 0.0)
            for d in 0..<width {
                let v = a[d]
                s0 += (v - b0[d]) * (v - b0[d])
                s1 += (v - b1[d]) * (v - b1[d])
                s2 += (v - b2[d]) * (v - b2[d])
                s3 += (v - b3[d]) * (v - b3[d])
            }
            (row[j], row[j + 1], row[j + 2], row[j + 3]) = (s0.squareRoot(), s1.squareRoot(), s2.squareRoot(), s3.squareRoot())
            j += 4
        }
        for k in j..<count {
            let b = x + k * width
            var sum = 0.0
            for d in 0..<width { sum += (a[d] - b[d]) * (a[d] - b[d]) }
            row[k] = sum.squareRoot()
        }
    }

    subscript(i: Int, j: Int) -> Double {
        if i == j { return 0 }
        let (a, b) = i < j ? (i, j) : (j, i)
        return upper[rowStart[a] + b - a - 1]
    }

    /// Each point's distance to its `neighbours`-th nearest point, counting itself as the
    /// first (distance 0), as scikit-learn's k-nearest-neighbour query on the fitted points does.
    func coreDistances(neighbours: Int) -> [Double] {
        (0..<count).map { i in
            // The `neighbours` smallest distances so far, in increasing order.
            var smallest: [Double] = [0]
            smallest.reserveCapacity(neighbours + 1)
            for j in 0..<count where j != i {
                let d = self[i, j]
                guard smallest.count < neighbours || d < smallest[smallest.count - 1] else { continue }
                let at = smallest.firstIndex { $0 > d } ?? smallest.count
                smallest.insert(d, at: at)
                if smallest.count > neighbours { smallest.removeLast() }
            }
            return smallest[neighbours - 1]
        }
    }
}

/// A pointer handed to worker threads that write disjoint parts of what it points to.
private struct UnsafeShared<Pointee>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Pointee>
    init(_ pointer: UnsafeMutablePointer<Pointee>) { self.pointer = pointer }
    init(_ pointer: UnsafePointer<Pointee>) { self.pointer = UnsafeMutablePointer(mutating: pointer) }
}
