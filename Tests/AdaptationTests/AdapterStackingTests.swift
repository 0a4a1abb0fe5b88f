import Models
import Testing
@testable import Adaptation

/// SAGE's cluster LoRA stacked on a node's adapter (`AdapterSet.stacking`): the update of a
/// site both adapt is the sum of both updates, checked against dense products written out here.
struct AdapterStackingTests {
    static let site = LinearSite(layer: 0, kind: .down), other = LinearSite(layer: 1, kind: .up)

    /// scale · B · A as an outputs × inputs matrix, by plain loops.
    static func dense(_ lora: LoRA) -> [Float] {
        var w = [Float](repeating: 0, count: lora.outputs * lora.inputs)
        for o in 0..<lora.outputs {
            for i in 0..<lora.inputs {
                var sum: Float = 0
                for k in 0..<lora.rank { sum += lora.b[o * lora.rank + k] * lora.a[k * lora.inputs + i] }
                w[o * lora.inputs + i] = lora.scale * sum
            }
        }
        return w
    }

    /// A LoRA with both factors non-zero (a fresh one has B = 0 and would prove nothing).
    static func lora(rank: Int, alpha: Float, seed: UInt64) -> LoRA {
        var fresh = LoRA(rank: rank, alpha: alpha, inputs: 6, outputs: 5, seed: seed)
        fresh.b = (0..<fresh.b.count).map { Float($0 % 7) * 0.1 - 0.3 }
        return fresh
    }

    @Test func aSiteBothAdaptGetsTheSumOfBothUpdates() throws {
        let below = Self.lora(rank: 2, alpha: 4, seed: 1), top = Self.lora(rank: 3, alpha: 3, seed: 2)
        let stacked = try #require(AdapterSet(lora: [Self.site: below]).stacking(AdapterSet(lora: [Self.site: top])).lora[Self.site])
        #expect(stacked.rank == 5)
        let expected = zip(Self.dense(below), Self.dense(top)).map(+)
        for (got, want) in zip(Self.dense(stacked), expected) { #expect(abs(got - want) <= 1e-5 * max(1, abs(want))) }
    }

    @Test func aSiteOnlyTheTopAdaptsTakesItsLoRAAndTheSVFStays() {
        let top = Self.lora(rank: 2, alpha: 2, seed: 3)
        let below = AdapterSet(svf: [Self.site: [1, 2]], composition: .transformerSquared)
        let stacked = below.stacking(AdapterSet(lora: [Self.other: top]))
        #expect(stacked.lora == [Self.other: top] && stacked.svf == below.svf && stacked.composition == .transformerSquared)
    }
}
