import Adaptation
@testable import Engine
import Testing

/// CEM's mix of SVF vectors, without models: z' = Σ αₖ zₖ, with one α per expert or one per
/// expert and matrix (expert-major, sites in their order). Expected values are worked by hand.
struct ExpertMixTests {
    static let up = LinearSite(layer: 0, kind: .up), down = LinearSite(layer: 1, kind: .down)
    static let first = AdapterSet(svf: [up: [1, 2], down: [3]], composition: .transformerSquared)
    static let second = AdapterSet(svf: [up: [10, 20], down: [30]], composition: .transformerSquared)

    @Test func perExpertOneWeightScalesEverySite() {
        let mixed = ExpertMixing.mix([Self.first, Self.second], alpha: [0.5, 0.25], perMatrix: false)
        #expect(mixed.svf[Self.up] == [3, 6] && mixed.svf[Self.down] == [9] && mixed.composition == .transformerSquared)
    }

    @Test func perMatrixEachSiteHasItsOwnWeights() {
        // Sites in order: blk.0.up, then blk.1.down. Expert 1: (1, 0); expert 2: (0, 0.5).
        let mixed = ExpertMixing.mix([Self.first, Self.second], alpha: [1, 0, 0, 0.5], perMatrix: true)
        #expect(mixed.svf[Self.up] == [1, 2] && mixed.svf[Self.down] == [15])
    }
}
