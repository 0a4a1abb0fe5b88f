import Testing
import Demo
import GESAL
import TestSupport

/// The demo's buffer figures on `BufferFixture`'s two groups, whose task is A for odd
/// interactions and B for even ones: worked by hand.
struct ClusterFiguresTests {
    static func task(_ prompt: String) -> String { Int(prompt.dropFirst())! % 2 == 1 ? "A" : "B" }

    @Test func clustersThatAreTheTasksAgreeFully() throws {
        let figures = ClusterFigures(try BufferFixture.stream(7).state, task: Self.task)
        #expect(figures.samples == 7 && figures.clusters == 2 && figures.formed == 2 && figures.unclustered == 0)
        #expect(figures.agreementWithTasks == 1)
        #expect(figures.purity == [1: 1, 2: 1])
    }

    /// One cluster of everything against two tasks: the pairs it joins are 9 + 6 the tasks join
    /// and 12 they do not, of 21; the adjusted Rand index of a single cluster is 0.
    @Test func oneClusterOfTwoTasksAgreesNoBetterThanChance() throws {
        let figures = ClusterFigures(try BufferFixture.stream(7, buffer: BufferSettings(mergeCosine: -1)).state, task: Self.task)
        #expect(figures.clusters == 1 && figures.formed == 3)
        #expect(figures.agreementWithTasks == 0)
        #expect(figures.purity == [3: 4.0 / 7])
    }

    @Test func beforeAnyClusterEverySampleIsUnclustered() throws {
        let figures = ClusterFigures(try BufferFixture.stream(3).state, task: Self.task)
        #expect(figures.samples == 3 && figures.clusters == 0 && figures.unclustered == 3 && figures.purity.isEmpty)
        #expect(figures.agreementWithTasks == 0, "all one label (noise) against two tasks")
    }

    @Test func oneTaskFamilyHasNoAgreementToMeasure() throws {
        let figures = ClusterFigures(try BufferFixture.stream(6).state) { _ in "A" }
        #expect(figures.agreementWithTasks == nil, "any labeling of one family has an index of 1 or 0 by construction")
    }
}
