import Foundation

/// The area under the ROC curve of a score for telling failures from successes: the chance
/// that a failure, drawn at random, scores above a success (ties count half; the Mann-Whitney
/// U statistic over both counts). 0.5 is a coin; 1 ranks every failure first. The 95%
/// interval is Hanley and McNeil's (1982) normal approximation, clipped to [0, 1].
public struct AUROC: Sendable, Equatable, Codable {
    public var area: Double
    public var low: Double
    public var high: Double
    public var failures: Int
    public var successes: Int

    /// nil when either class is empty: there is nothing to rank.
    public init?(scores: [Double], failed: [Bool]) {
        precondition(scores.count == failed.count, "a score per verdict")
        failures = failed.count(where: { $0 })
        successes = failed.count - failures
        guard failures > 0, successes > 0 else { return nil }
        // Mid-ranks over all scores (ties share the mean of their ranks), summed over failures.
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var ranks = [Double](repeating: 0, count: scores.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && scores[order[end + 1]] == scores[order[start]] { end += 1 }
            let mid = Double(start + end) / 2 + 1
            for k in start...end { ranks[order[k]] = mid }
            start = end + 1
        }
        let n1 = Double(failures), n2 = Double(successes)
        let rankSum = zip(ranks, failed).filter(\.1).map(\.0).reduce(0, +)
        area = (rankSum - n1 * (n1 + 1) / 2) / (n1 * n2)
        let q1 = area / (2 - area), q2 = 2 * area * area / (1 + area)
        let variance = (area * (1 - area) + (n1 - 1) * (q1 - area * area) + (n2 - 1) * (q2 - area * area)) / (n1 * n2)
        let half = 1.959964 * max(variance, 0).squareRoot()
        low = max(0, area - half)
        high = min(1, area + half)
    }

    public var summary: String {
        String(format: "%.3f [%.3f, %.3f] (%d failures, %d successes)", area, low, high, failures, successes)
    }
}
