import Demo
import GESAL
import Testing
import TestSupport

/// The demo's figures of SAGE's LoRA store, on `PoolFixture`'s stream (no model): group A's
/// prompts are odd interactions, B's even.
struct PoolFiguresTests {
    static func family(_ prompt: String) -> String { Int(prompt.dropFirst())! % 2 == 1 ? "A" : "B" }

    @Test func aKeptAdapterIsCountedWithItsClustersFamily() throws {
        var (state, events) = try PoolFixture.stream()
        let search = PoolFixture.search(1, in: state)
        try state.apply(.adapterTrained(search))
        let figures = PoolFigures(state, events: events + [.adapterTrained(search)], task: Self.family)
        #expect(figures.searches == 1 && figures.kept == 1 && figures.retired == 0 && figures.poolSize == 1)
        #expect(figures.adapters.map(\.family) == ["A"] && figures.adapters[0].purity == 1 && figures.adapters[0].members == 3)
        #expect(figures.lines[1].contains("cluster 1 (3 answers, 100% A)"))
    }

    @Test func aSearchThatKeptNothingAddsNoAdapter() throws {
        var (state, events) = try PoolFixture.stream()
        let search = PoolFixture.search(1, in: state, base: 1)
        try state.apply(.adapterTrained(search))
        let figures = PoolFigures(state, events: events + [.adapterTrained(search)], task: Self.family)
        #expect(figures.searches == 1 && figures.kept == 0 && figures.adapters.isEmpty)
    }
}
