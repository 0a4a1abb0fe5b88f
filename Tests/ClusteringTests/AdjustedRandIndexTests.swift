import Testing
@testable import Clustering

/// The adjusted Rand index against scikit-learn's `adjusted_rand_score` (fixture from
/// scripts/make-hdbscan-golden.py): renamings, one cluster against singletons, noise, random
/// labelings and HDBSCAN's own labels of the fixture sets.
struct AdjustedRandIndexTests {
    @Test(arguments: HDBSCANTests.golden.ari.indices)
    func theIndexIsScikitLearns(case index: Int) throws {
        let golden = HDBSCANTests.golden.ari[index]
        let score = try adjustedRandIndex(golden.a, golden.b)
        #expect(abs(score - golden.score) <= 1e-12, "case \(index): \(score), scikit-learn \(golden.score)")
    }

    @Test func labelingsOfDifferentLengthsAreRefused() {
        #expect(throws: ClusteringError("the labelings have 2 and 3 points")) { try adjustedRandIndex([0, 1], [0, 1, 1]) }
    }
}
