import Foundation

/// An accuracy with its 95% Wilson score interval, the item count, and the majority-answer
/// baseline of the same items (what always giving the most common true answer would score).
public struct Accuracy: Sendable, Equatable, Codable {
    public var correct: Int
    public var count: Int
    public var accuracy: Double
    public var low: Double
    public var high: Double
    public var majorityBaseline: Double

    public init(correct: Int, items: [TaskItem]) {
        self.correct = correct
        count = items.count
        accuracy = count == 0 ? 0 : Double(correct) / Double(count)
        (low, high) = Self.wilson(correct: correct, count: count)
        let frequencies = Dictionary(grouping: items, by: \.expected).mapValues(\.count)
        majorityBaseline = count == 0 ? 0 : Double(frequencies.values.max() ?? 0) / Double(count)
    }

    /// The Wilson score interval at 95% (z = 1.96): sound near 0 and 1, unlike the normal one.
    public static func wilson(correct: Int, count: Int) -> (Double, Double) {
        guard count > 0 else { return (0, 1) }
        let z = 1.959964, n = Double(count), p = Double(correct) / n
        let centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        let half = z * ((p * (1 - p) + z * z / (4 * n)) / n).squareRoot() / (1 + z * z / n)
        return (max(0, centre - half), min(1, centre + half))
    }

    public var summary: String {
        String(format: "%.1f%% [%.1f, %.1f] of %d (majority baseline %.1f%%)", accuracy * 100, low * 100, high * 100, count, majorityBaseline * 100)
    }
}
