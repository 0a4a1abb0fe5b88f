@testable import Models
import TestSupport
import Testing

/// `Sampler.ranking` must give the order its definition does: by logit, largest first, lower ids
/// first among equal logits. The oracle is that definition, sorted with a closure.
struct SamplerRankingTests {
    static func definition(_ logits: [Float]) -> [Int] {
        logits.indices.sorted { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
    }

    @Test func randomLogitsRankAsByDefinition() {
        var random = SeededRandom(seed: 3)
        let logits = (0..<5000).map { _ in Float.random(in: -30...30, using: &random) }
        #expect(Sampler.ranking(logits) == Self.definition(logits))
    }

    /// Ties, signed zeros, infinities, the extremes of Float and subnormals.
    @Test func tiesAndEdgeValuesRankAsByDefinition() {
        let values: [Float] = [0, -0.0, 1, -1, 1, .infinity, -.infinity, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
                               .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude, 3.5, 3.5, -0.0, 0, -2]
        var random = SeededRandom(seed: 9)
        let logits = (0..<400).map { _ in values[Int(random.next() % UInt64(values.count))] }
        #expect(Sampler.ranking(logits) == Self.definition(logits))
    }

    /// The radix sort against the standard library's, on keys that differ in every byte and on
    /// keys that share some bytes (the passes it skips).
    @Test func theRadixSortSortsAsTheStandardLibraryDoes() {
        var random = SeededRandom(seed: 4)
        for mask: UInt64 in [.max, 0xFF00_FF00_0000_00FF, 0] {
            var keys = (0..<3000).map { _ in random.next() & mask }
            let expected = keys.sorted()
            Sampler.radixSort(&keys)
            #expect(keys == expected, "mask \(String(mask, radix: 16))")
        }
    }
}
