import Foundation
import Testing
@testable import Tensor

/// A decode step's attention (`RowAttention`) against the definition computed in double
/// precision: scores q·k/√d over the visible positions, softmax, values weighted by it.
@Suite(.serialized) struct RowAttentionTests {
    /// Six heads over two key/value heads of 44 dimensions: 32 in registers, 8 more, a tail of 4.
    /// Positions are 47 floats apart (three floats of padding the kernel must skip).
    static let shape = RowAttention.Shape(heads: 6, kvHeads: 2, headDim: 44, stride: 2 * 44 + 3)

    static func floats(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int(state >> 40 & 0xFFFF) - 32768) / 16384
        }
    }

    /// One sequence's query row and cache of `capacity` positions.
    struct Sequence {
        var query: [Float]
        var keys: [Float]
        var values: [Float]

        init(capacity: Int, seed: UInt64, shape: RowAttention.Shape = RowAttentionTests.shape) {
            query = RowAttentionTests.floats(shape.heads * shape.headDim, seed: seed)
            keys = RowAttentionTests.floats(capacity * shape.stride, seed: seed + 1)
            values = RowAttentionTests.floats(capacity * shape.stride, seed: seed + 2)
        }

        func reference(positions: Int) -> [Double] {
            let (d, group) = (shape.headDim, shape.heads / shape.kvHeads)
            var out: [Double] = []
            for head in 0..<shape.heads {
                let kv = head / group * d
                var scores: [Double] = []
                for p in 0..<positions {
                    var dot = 0.0
                    for i in 0..<d { dot += Double(query[head * d + i]) * Double(keys[p * shape.stride + kv + i]) }
                    scores.append(dot / Double(d).squareRoot())
                }
                let top = scores.max()!
                let weights = scores.map { Foundation.exp($0 - top) }
                let total = weights.reduce(0, +)
                for i in 0..<d {
                    var sum = 0.0
                    for p in 0..<positions { sum += weights[p] / total * Double(values[p * shape.stride + kv + i]) }
                    out.append(sum)
                }
            }
            return out
        }
    }

    /// Each sequence's row attending to `positions[i]` positions, on `threads` threads.
    static func attend(_ sequences: [Sequence], positions: [Int], threads: Int, shape: RowAttention.Shape = shape) -> [[Float]] {
        let before = RowProducts.threadCount.exchange(threads, ordering: .relaxed)
        defer { RowProducts.threadCount.store(before, ordering: .relaxed) }
        let width = shape.heads * shape.headDim
        var out = [Float](repeating: .nan, count: sequences.count * width)
        out.withUnsafeMutableBufferPointer { o in
            func run(_ i: Int, _ rows: [RowAttention.Row]) {
                guard i < sequences.count else { return RowAttention.attend(rows, shape: shape) }
                sequences[i].query.withUnsafeBufferPointer { q in
                    sequences[i].keys.withUnsafeBufferPointer { k in
                        sequences[i].values.withUnsafeBufferPointer { v in
                            let row = RowAttention.Row(query: q.baseAddress!, keys: k.baseAddress!, values: v.baseAddress!,
                                                       positions: positions[i], out: o.baseAddress! + i * width)
                            run(i + 1, rows + [row])
                        }
                    }
                }
            }
            run(0, [])
        }
        return sequences.indices.map { Array(out[($0 * width)..<(($0 + 1) * width)]) }
    }

    @Test(arguments: [1, 3, 4, 7, 130])
    func aRowMatchesTheDefinitionInDoublePrecision(positions: Int) {
        let sequence = Sequence(capacity: 130, seed: 3)
        let got = Self.attend([sequence], positions: [positions], threads: 1)[0]
        let expected = sequence.reference(positions: positions)
        #expect(got.count == expected.count)
        for (i, (g, e)) in zip(got, expected).enumerated() {
            #expect(abs(Double(g) - e) <= 1e-5 * max(1, abs(e)), "value \(i): \(g) against \(e)")
        }
    }

    @Test func aRowGivesTheSameBitsAloneAsInABatchOnTwoThreads() {
        let sequences = (0..<5).map { Sequence(capacity: 40, seed: UInt64(10 * $0)) }
        let positions = [40, 1, 17, 33, 6]
        let batch = Self.attend(sequences, positions: positions, threads: 2)
        for i in sequences.indices {
            let alone = Self.attend([sequences[i]], positions: [positions[i]], threads: 1)[0]
            #expect(alone.map(\.bitPattern) == batch[i].map(\.bitPattern), "sequence \(i)")
        }
    }

    @Test func positionsPastTheVisibleOnesAreNotRead() {
        var sequence = Sequence(capacity: 12, seed: 7)
        let before = Self.attend([sequence], positions: [5], threads: 1)[0]
        for i in (5 * Self.shape.stride)..<sequence.keys.count {
            sequence.keys[i] = .nan
            sequence.values[i] = .nan
        }
        let after = Self.attend([sequence], positions: [5], threads: 1)[0]
        #expect(after.map(\.bitPattern) == before.map(\.bitPattern))
    }

    /// The C kernel (AVX, the query heads of a group sharing each key and value load) against
    /// the portable Swift one, bit for bit: groups of 3 (one set of heads), 4 (a set of 3 and
    /// one of 1) and 2; heads of 44 dimensions (two runs of 16, one of 8, a tail of 4), 64 (four
    /// runs of 16) and 20 (one of 16, a tail of 4); 131 positions (four at a time, then 3 alone).
    @Test(arguments: [RowAttention.Shape(heads: 6, kvHeads: 2, headDim: 44, stride: 2 * 44 + 3),
                      RowAttention.Shape(heads: 8, kvHeads: 2, headDim: 64, stride: 2 * 64),
                      RowAttention.Shape(heads: 4, kvHeads: 2, headDim: 20, stride: 2 * 20 + 1)])
    func theCKernelGivesThePortableKernelsBits(shape: RowAttention.Shape) throws {
        try #require(RowProducts.Kernel.best != .portable, "this CPU has no AVX2: only the portable kernel runs")
        // Five rows on two threads: the C path takes a whole row a piece and reads it through first.
        let sequences = (0..<5).map { Sequence(capacity: 131, seed: UInt64(20 + 3 * $0), shape: shape) }
        let positions = [131, 1, 6, 40, 77]
        let inC = Self.attend(sequences, positions: positions, threads: 2, shape: shape)
        let portable = RowProducts.using(.portable) { Self.attend(sequences, positions: positions, threads: 2, shape: shape) }
        for i in sequences.indices {
            #expect(inC[i].map(\.bitPattern) == portable[i].map(\.bitPattern), "sequence \(i)")
        }
    }
}
