import Foundation
import Testing
import Tasks

/// The AUROC against scikit-learn's `roc_auc_score` (fixtures from scripts/make-auroc-golden.py),
/// and its interval against Hanley and McNeil's formula worked by hand.
struct AUROCTests {
    struct Golden: Decodable {
        struct Case: Decodable { var name: String, scores: [Double], failed: [Bool], area: Double }
        var cases: [Case]
    }

    static let golden = try! JSONDecoder().decode(Golden.self, from: Data(contentsOf: Bundle.module.url(forResource: "Fixtures/auroc", withExtension: "json")!))

    @Test(arguments: golden.cases.map(\.name)) func theAreaEqualsScikitLearns(_ name: String) throws {
        let golden = try #require(Self.golden.cases.first { $0.name == name })
        let auroc = try #require(AUROC(scores: golden.scores, failed: golden.failed))
        #expect(abs(auroc.area - golden.area) < 1e-12, "\(auroc.area) against \(golden.area)")
        #expect(auroc.failures == golden.failed.count(where: { $0 }))
    }

    /// Failures 3.5, 5, 6, 8 against successes 0, 3, 4, 7: 12 of 16 pairs ranked right, A = 0.75.
    /// Q1 = 0.75/1.25 = 0.6, Q2 = 2·0.5625/1.75 = 0.642857; variance (0.1875 + 3·0.0375 +
    /// 3·0.080357)/16 = 0.033817, so the half-width is 1.96·0.18389 = 0.36042.
    @Test func theIntervalIsHanleyAndMcNeils() throws {
        let auroc = try #require(AUROC(scores: [3.5, 5, 6, 8, 0, 3, 4, 7], failed: [true, true, true, true, false, false, false, false]))
        #expect(auroc.area == 0.75)
        #expect(abs(auroc.low - (0.75 - 0.36042)) < 1e-4)
        #expect(auroc.high == 1, "clipped")
    }

    @Test func oneClassAloneHasNoArea() {
        #expect(AUROC(scores: [1, 2], failed: [true, true]) == nil)
        #expect(AUROC(scores: [], failed: []) == nil)
    }
}
