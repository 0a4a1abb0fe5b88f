import Foundation
import Testing
@testable import Models

/// The label-free signals of an answer against their definitions, computed here with libm in
/// Double (the oracle), and on distributions whose entropy is known in closed form.
struct ConfidenceSignalsTests {
    /// Deterministic logits in [-8, 8).
    static func logits(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 16000) / 1000 - 8
        }
    }

    /// One logit x and no shift: the normaliser is exp(x) alone.
    @Test func theKernelsExponentialIsWithinTwoMillionthsOfLibm() {
        var worst = 0.0
        for step in 0...87_000 {
            let x = -Float(step) / 1000
            let exact = Foundation.exp(Double(x))
            worst = max(worst, abs(SoftmaxSums.of([x], shift: 0).z - exact) / exact)
        }
        #expect(worst < 2e-6, "worst relative error \(worst)")
    }

    /// SSE2, AVX2 and AVX-512F give the same bits (each kernel this CPU runs), on a row with a tail.
    @Test func everyKernelGivesTheSameBits() throws {
        let row = Self.logits(49_157, seed: 3)
        let portable = try #require(SoftmaxSums.of(row, shift: 7.5, kernel: 0))
        for kernel: Int32 in [1, 2] {
            guard let sums = SoftmaxSums.of(row, shift: 7.5, kernel: kernel) else { continue }
            #expect(sums.z.bitPattern == portable.z.bitPattern && sums.weighted.bitPattern == portable.weighted.bitPattern, "kernel \(kernel)")
        }
        #expect(SoftmaxSums.of(row, shift: 7.5, kernel: 9) == nil)
        #expect(SoftmaxSums.of(row, shift: 7.5) == portable)
    }

    /// The runner-up equals the top when the top occurs twice, in the lanes or in the tail.
    @Test(arguments: [5, 16, 37, 100]) func theTopTwoAreFoundInLanesAndTail(_ count: Int) {
        var row = Self.logits(count, seed: UInt64(count))
        let sorted = row.sorted(by: >)
        #expect(SoftmaxSums.topTwo(row) == (sorted[0], sorted[1]))
        row[count - 1] = sorted[0]
        #expect(SoftmaxSums.topTwo(row) == (sorted[0], sorted[0]))
    }

    /// Uniform over V tokens: entropy ln V, every token's log-probability −ln V, margin 0.
    @Test(arguments: [1, 16, 37, 49_152]) func aUniformDistributionHasEntropyLogV(_ count: Int) throws {
        var tally = ConfidenceTally()
        tally.observe([Float](repeating: 2.5, count: count), picked: count - 1)
        let signals = try #require(tally.signals)
        #expect(abs(Double(signals.meanEntropy) - log(Double(count))) < 1e-5)
        #expect(abs(Double(signals.meanLogProbability) + log(Double(count))) < 1e-5)
        #expect(signals.firstTokenMargin == 0)
    }

    /// Two tokens a nat apart and the rest at −∞ (never sampled): a Bernoulli distribution.
    @Test func twoTokensAndMinusInfinityGiveABernoulliEntropy() throws {
        var row = [Float](repeating: -.infinity, count: 21)
        row[3] = 1
        row[17] = 0
        var tally = ConfidenceTally()
        tally.observe(row, picked: 17)
        let signals = try #require(tally.signals)
        let p = 1 / (1 + exp(-1.0))  // the first token's probability
        #expect(abs(Double(signals.meanEntropy) - (-p * log(p) - (1 - p) * log(1 - p))) < 1e-6)
        #expect(abs(Double(signals.meanLogProbability) - log(1 - p)) < 1e-6)
        #expect(signals.firstTokenMargin == 1)
    }

    /// Three steps of random logits against a Double libm reference: means over the steps,
    /// the margin from the first step only.
    @Test func theMeansOverStepsMatchALibmReference() throws {
        var tally = ConfidenceTally()
        var entropy = 0.0, logProbability = 0.0, margin: Float = 0
        for step in 0..<3 {
            let row = Self.logits(1_000 + step * 7, seed: UInt64(step + 1))
            let picked = (step * 131) % row.count
            tally.observe(row, picked: picked)
            let top = Double(row.max()!)
            let logZ = top + log(row.reduce(0.0) { $0 + exp(Double($1) - top) })
            entropy -= row.reduce(0.0) { $0 + exp(Double($1) - logZ) * (Double($1) - logZ) }
            logProbability += Double(row[picked]) - logZ
            if step == 0 {
                let sorted = row.sorted(by: >)
                margin = sorted[0] - sorted[1]
            }
        }
        let signals = try #require(tally.signals)
        #expect(signals.steps == 3)
        #expect(abs(Double(signals.meanEntropy) - entropy / 3) < 1e-5)
        #expect(abs(Double(signals.meanLogProbability) - logProbability / 3) < 1e-5)
        #expect(signals.firstTokenMargin == margin)
    }

    @Test func noStepsGiveNoSignals() {
        #expect(ConfidenceTally().signals == nil)
    }
}
