import EventLog
import Foundation
import SystemIO
import Testing
@testable import GESAL
import TestSupport

/// SAGE's LoRA store as the log holds it: the split and choice rules, what the projection
/// refuses of a search, the pool's retirements, routing by a cluster's reach, the v4
/// interaction and the v5 state encoding, on `PoolFixture`'s stream (no model).
struct PoolTests {
    /// The stream's next interaction entering the buffer, with its correction, as the engine records it.
    static func enter(_ interaction: Int, into state: inout EngineState) throws {
        for event in BufferFixture.asked(interaction) + BufferFixture.fired(interaction, correction: BufferFixture.correction(interaction))
            + [.bufferSampleAdded(BufferSampleAdded(interaction: interaction))] { try state.apply(event) }
    }

    static func refusal(_ event: DomainEvent, in state: EngineState) -> String {
        var state = state
        do { try state.apply(event) } catch { return error.message }
        return "accepted"
    }

    @Test func everyThirdLabelledMemberValidates() {
        #expect(EngineState.split([1, 3, 5, 7]) == ([1, 3, 7], [5]))
        #expect(EngineState.split([2, 4, 6, 8, 10, 12, 14]) == ([2, 4, 8, 10, 14], [6, 12]))
    }

    @Test func twoLabelledMembersStillKeepOneToScore() {
        #expect(EngineState.split([4, 9]) == ([4], [9]))
    }

    @Test func theChoiceIsTheBestCandidateOnlyWhenItBeatsTheBase() {
        func candidate(_ match: Float, _ loss: Float) -> AdapterTrained.Candidate {
            AdapterTrained.Candidate(settings: .init(rank: 2, alpha: 4, learningRate: 1e-3, epochs: 1), seed: 0, trainingLoss: 0,
                                     score: .init(exactMatch: match, loss: loss, answers: []), adapter: "")
        }
        let base = AdapterTrained.Score(exactMatch: 0.5, loss: 1, answers: [])
        #expect(AdapterTrained.choice(base: base, candidates: [candidate(0.5, 2), candidate(1, 3), candidate(1, 2.5)]) == 2, "more matches, then lower loss")
        #expect(AdapterTrained.choice(base: base, candidates: [candidate(0.5, 0.9), candidate(0.5, 0.9)]) == 0, "equals keep the first")
        #expect(AdapterTrained.choice(base: base, candidates: [candidate(0.5, 1), candidate(0, 0.1)]) == nil, "a tie with the base is not a gain")
    }

    @Test func aSearchIsDueOnceAFormedClusterHasEnoughLabelledMembers() throws {
        #expect(try PoolFixture.stream(5).state.searchesDue.isEmpty, "no cluster has formed before round 6")
        #expect(try PoolFixture.stream(6).state.searchesDue == [1, 2])
    }

    @Test func aSearchKeepsItsChosenAdapterInThePool() throws {
        var (state, _) = try PoolFixture.stream()
        let search = PoolFixture.search(1, in: state)
        try state.apply(.adapterTrained(search))
        #expect(state.pool.adapters[1]?.blob == search.candidates[0].adapter && state.pool.adapters[1]?.gain == 1)
        #expect(state.searchesDue == [2], "cluster 1 waits for more labelled members")
    }

    @Test func aSearchThatKeepsNothingLeavesThePoolEmpty() throws {
        var (state, _) = try PoolFixture.stream()
        try state.apply(.adapterTrained(PoolFixture.search(1, in: state, base: 1, matches: [1, 0])))
        #expect(state.pool.adapters.isEmpty && state.pool.searched[1] == 3)
    }

    @Test func aSearchWhoseChoiceDoesNotFollowFromItsFiguresIsRefused() throws {
        let (state, _) = try PoolFixture.stream()
        var search = PoolFixture.search(1, in: state)
        search.chosen = 1
        #expect(Self.refusal(.adapterTrained(search), in: state).contains("keeps candidate 1 where its figures choose 0"))
    }

    @Test func aSearchThatTrainsOnItsValidationMemberIsRefused() throws {
        let (state, _) = try PoolFixture.stream()
        var search = PoolFixture.search(1, in: state)
        search.training = [1, 3, 5]
        #expect(Self.refusal(.adapterTrained(search), in: state).contains("split into [1, 3] and [5]"))
    }

    @Test func aSearchWithAnotherSeedIsRefused() throws {
        let (state, _) = try PoolFixture.stream()
        var search = PoolFixture.search(1, in: state)
        search.candidates[1].seed ^= 1
        #expect(Self.refusal(.adapterTrained(search), in: state).contains("seed"))
    }

    @Test func aSearchThatIsNotDueIsRefused() throws {
        var (state, _) = try PoolFixture.stream()
        try state.apply(.adapterTrained(PoolFixture.search(1, in: state)))
        #expect(Self.refusal(.adapterTrained(PoolFixture.search(1, in: state)), in: state).contains("is not due"))
    }

    @Test func aFullPoolRetiresTheAdapterThatGainedLeastInTheSameRecord() throws {
        var (state, _) = try PoolFixture.stream()
        let first = PoolFixture.search(1, in: state)
        try state.apply(.adapterTrained(first))
        let second = PoolFixture.search(2, in: state, base: 0.5, matches: [1, 0])
        try state.apply(.adapterTrained(second))
        let retired = AdapterRetired(cluster: 2, adapter: second.candidates[0].adapter, reason: .poolFull)
        #expect(state.pending == [.adapterRetired(retired)], "a pool of 1: cluster 2 gained 0.5, cluster 1 gained 1")
        #expect(Self.refusal(.adapterRetired(AdapterRetired(cluster: 1, adapter: first.candidates[0].adapter, reason: .poolFull)), in: state)
            .contains("does not follow"))
        try state.apply(.adapterRetired(retired))
        #expect(state.pool.adapters.keys.sorted() == [1])
    }

    @Test func aRecordWithoutItsRetirementIsRefused() throws {
        var (state, _) = try PoolFixture.stream()
        try state.apply(.adapterTrained(PoolFixture.search(1, in: state)))
        try state.apply(.adapterTrained(PoolFixture.search(2, in: state, base: 0.5)))
        #expect(Self.refusal(BufferFixture.asked(7)[0], in: state).contains("comes before the record's derived AdapterRetired.v1"))
    }

    @Test func anAdapterRetiresWithItsClusterWhenItMerges() throws {
        // Any two centres reach a merge cosine of -1: both clusters form in round 6 and merge in round 7.
        var state = try BufferFixture.stream(6, buffer: BufferSettings(mergeCosine: -1), loraStore: PoolFixture.settings).state
        let search = PoolFixture.search(1, in: state)
        try state.apply(.adapterTrained(search))
        try Self.enter(7, into: &state)
        #expect(state.pending.contains(.adapterRetired(AdapterRetired(cluster: 1, adapter: search.candidates[0].adapter, reason: .clusterEnded))))
        #expect(state.pool.adapters.isEmpty)
    }

    @Test func aPromptWithinAPooledClustersReachIsRoutedToItsAdapter() throws {
        var (state, _) = try PoolFixture.stream()
        let search = PoolFixture.search(1, in: state)
        try state.apply(.adapterTrained(search))
        let near = try #require(state.clusterAdapter(for: [1, 0.03, 0, 0.05]))
        #expect(near.cluster == 1 && near.adapter == search.candidates[0].adapter)
        #expect(state.clusterAdapter(for: [0.02, 1, 0.05, 0]) == nil, "cluster 2 has no adapter")
        #expect(state.clusterAdapter(for: [1, 0.5, 0.5, 0]) == nil, "beyond the farthest member's cosine")
    }

    @Test func anInteractionNamingAnAdapterThePoolDoesNotHoldIsRefused() throws {
        let (state, _) = try PoolFixture.stream()
        guard case .interactionRecorded(var e) = BufferFixture.asked(7)[1] else { return }
        e.clusterAdapter = ClusterAdapterUse(cluster: 1, adapter: PoolFixture.hash("never kept"), similarity: 0.9)
        var scratch = state
        try scratch.apply(BufferFixture.asked(7)[0])
        #expect(Self.refusal(.interactionRecorded(e), in: scratch).contains("which the pool does not hold"))
    }

    @Test func anInteractionWithAClusterAdapterIsWrittenAsV4() throws {
        let e = InteractionRecorded(interaction: 1, prompt: "p", response: "r", node: 1, embedding: Vector([1, 0]), similarity: 1, adapter: nil,
                                    sampling: SamplingRecord(temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1, maxTokens: 4, seed: 0),
                                    promptTokens: 1, responseTokens: 1,
                                    clusterAdapter: ClusterAdapterUse(cluster: 2, adapter: PoolFixture.hash("a"), similarity: 0.9))
        let draft = try DomainEvent.interactionRecorded(e).draft()
        #expect(draft.type == "InteractionRecorded.v4")
        let read = try DomainEvent(Event(sequence: 1, timeNanos: 0, type: draft.type, payload: draft.payload, blobs: []))
        #expect(read == .interactionRecorded(e))
    }

    @Test func thePoolSurvivesTheStateEncoding() throws {
        var (state, _) = try PoolFixture.stream()
        try state.apply(.adapterTrained(PoolFixture.search(1, in: state)))
        let decoded = try EngineState(encoded: state.encoded(), where: "test")
        #expect(decoded.pool == state.pool && decoded.hash == state.hash)
        #expect(String(decoding: state.encoded()[8..<21], as: UTF8.self) == "GESALSTATE.v5")
    }

    @Test func aStoreWithoutTheLoRAStoreKeepsItsV4Encoding() throws {
        let state = try BufferFixture.stream(6).state
        #expect(String(decoding: state.encoded()[8..<21], as: UTF8.self) == "GESALSTATE.v4")
    }

    @Test func aBranchWithoutASearchDiffersByThePoolsAdapter() throws {
        let path = try SystemIO.FileSystem().makeTemporaryDirectory(prefix: "gesal-pool-diff")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try LogWriter.create(at: path + "/store", options: StoreOptions(durability: .none))
        var (state, events) = try PoolFixture.stream()
        for event in events { try writer.append([try event.draft()]) }
        try writer.createBranch("before-search")
        let search = PoolFixture.search(1, in: state)
        try state.apply(.adapterTrained(search))
        _ = try writer.putBlob(Array("cluster 1 candidate 0".utf8))  // `PoolFixture.hash`
        try writer.append([try DomainEvent.adapterTrained(search).draft()])
        let lines = try BranchDiff.between("main", "before-search", in: writer.store).lines
        #expect(lines == ["cluster 1's pool adapter \(search.candidates[0].adapter.prefix(12)) vs none"])
        try writer.close()
    }

    @Test func aLoRAStoreNeedsTheBuffer() {
        let config = EngineConfig(trigger: BufferFixture.trigger, loraStore: LoRAStoreSettings())
        #expect(throws: EngineError.self) { try config.validate() }
    }

    /// Found by fuzzing: the fold took such a StoreCreated, and the state it made had a
    /// snapshot that did not read back.
    @Test func theFoldRefusesAStoreCreatedWithALoRAStoreAndNoBuffer() {
        let created = StoreCreated(modelFingerprint: "f", model: "m", embedder: "e", threads: 1, blasCore: "Haswell", seed: 1,
                                   config: EngineConfig(trigger: BufferFixture.trigger, loraStore: LoRAStoreSettings()))
        var state = EngineState()
        #expect {
            try state.apply(.storeCreated(created))
        } throws: { error in
            "\(error)".contains("loraStore needs buffer")
        }
    }

    @Test func aGridThatNamesARankTwiceIsRefused() {
        #expect(throws: EngineError.self) { try LoRAStoreSettings(ranks: [4, 4]).validate() }
        #expect(throws: EngineError.self) { try LoRAStoreSettings(learningRates: []).validate() }
    }
}
