import EventLog
import Foundation
@testable import GESAL
import TestSupport
import Testing

/// Transformer²'s library in the fold: what `ExpertTrained`, `ExpertPromoted` and
/// `ExpertRetired` do to the state, what the fold refuses, and how the state encodes it.
struct ExpertLibraryTests {
    @Test func aTrainedExpertJoinsTheLibraryWithItsKeptCheckpoint() throws {
        let trained = ExpertFixture.trained("adder", accuracies: [0.1, 0.4, 0.3])
        let state = try ExpertFixture.state([.storeCreated(ExpertFixture.created), .expertTrained(trained)])
        let expert = try #require(state.experts["adder"])
        #expect(trained.kept == 1 && expert.adapter == ExpertFixture.hash("adder step 5"))
        #expect(expert.task == "arithmetic" && expert.accuracy == 0.4 && !expert.retired)
        #expect(state.activeExperts.map(\.name) == ["adder"])
    }

    @Test func theKeptCheckpointIsTheBestAndTheEarliestOfEquals() {
        func curve(_ accuracies: [Float]) -> [ExpertTrained.Checkpoint] {
            accuracies.enumerated().map { ExpertTrained.Checkpoint(step: $0.offset, accuracy: $0.element, loss: 0, adapter: "") }
        }
        #expect(ExpertTrained.choice(curve([0.2, 0.5, 0.5, 0.1])) == 1)
        #expect(ExpertTrained.choice(curve([0.3, 0.3])) == 0, "the base model when nothing beats it")
        #expect(ExpertTrained.choice([]) == nil)
    }

    @Test func aBaselineTakesTheBatchsMeanRewardAway() {
        let batch = [true, false, false, false]
        #expect(ExpertSettings.Objective.reinforce.rewards(batch) == [1, -1, -1, -1])
        #expect(ExpertSettings.Objective.reinforceReference.rewards(batch) == [1, -1, -1, -1])
        #expect(ExpertSettings.Objective.baselineReference.rewards(batch) == [1.5, -0.5, -0.5, -0.5])
        #expect(ExpertSettings.Objective.baselineReference.rewards([false, false]) == [0, 0], "all wrong: nothing pushed down")
        #expect(!ExpertSettings.Objective.reinforce.usesReference && ExpertSettings.Objective.baselineReference.usesReference)
    }

    @Test func theValidatedStepsAreEveryNthAndTheLast() {
        #expect(ExpertSettings(task: "arithmetic", steps: 12, validateEvery: 5).validatedSteps == [5, 10, 12])
        #expect(ExpertSettings(task: "arithmetic", steps: 10, validateEvery: 5).validatedSteps == [5, 10])
        #expect(ExpertSettings(task: "arithmetic", steps: 3, validateEvery: 10).validatedSteps == [3])
    }

    @Test func aKeptCheckpointThatIsNotTheBestIsRefused() throws {
        var tampered = ExpertFixture.trained("adder", accuracies: [0.1, 0.4, 0.3])
        tampered.kept = 2
        #expect(throws: EngineError.self) { try ExpertFixture.state([.storeCreated(ExpertFixture.created), .expertTrained(tampered)]) }
    }

    @Test func aCurveWithoutTheValidatedStepsIsRefused() throws {
        var tampered = ExpertFixture.trained("adder")
        tampered.curve.remove(at: 1)
        tampered.kept = ExpertTrained.choice(tampered.curve)!
        #expect(throws: EngineError.self) { try ExpertFixture.state([.storeCreated(ExpertFixture.created), .expertTrained(tampered)]) }
    }

    @Test func aNameIsTakenForGoodEvenAfterRetirement() throws {
        let events: [DomainEvent] = [.storeCreated(ExpertFixture.created), .expertTrained(ExpertFixture.trained("adder")),
                                     .expertRetired(ExpertRetired(name: "adder", reason: "test"))]
        let state = try ExpertFixture.state(events)
        #expect(state.experts["adder"]?.retired == true && state.activeExperts.isEmpty)
        #expect(throws: EngineError.self) { try ExpertFixture.state(events + [.expertTrained(ExpertFixture.trained("adder"))]) }
        #expect(throws: EngineError.self) { try ExpertFixture.state(events + [.expertRetired(ExpertRetired(name: "adder", reason: "twice"))]) }
    }

    @Test func retiringAnUnknownExpertIsRefused() {
        #expect(throws: EngineError.self) {
            try ExpertFixture.state([.storeCreated(ExpertFixture.created), .expertRetired(ExpertRetired(name: "nobody", reason: "test"))])
        }
    }

    @Test func aPromotionMustNameTheNodesAdapter() throws {
        let adapter = ExpertFixture.hash("node adapter")
        let state = try ExpertFixture.state(ExpertFixture.nodeWithAdapter(adapter) + [.expertPromoted(ExpertPromoted(name: "mine", node: 1, adapter: adapter))])
        #expect(state.experts["mine"]?.node == 1 && state.experts["mine"]?.adapter == adapter && state.experts["mine"]?.task == nil)
        #expect(throws: EngineError.self) {
            try ExpertFixture.state(ExpertFixture.nodeWithAdapter(adapter) + [.expertPromoted(ExpertPromoted(name: "mine", node: 1, adapter: ExpertFixture.hash("other")))])
        }
        #expect(throws: EngineError.self) {
            try ExpertFixture.state(ExpertFixture.nodeWithAdapter(adapter) + [.expertPromoted(ExpertPromoted(name: "mine", node: 2, adapter: adapter))])
        }
    }

    @Test func theLibraryRoundTripsThroughTheStateEncoding() throws {
        let adapter = ExpertFixture.hash("node adapter")
        let state = try ExpertFixture.state(ExpertFixture.nodeWithAdapter(adapter) + [
            .expertTrained(ExpertFixture.trained("adder")), .expertPromoted(ExpertPromoted(name: "mine", node: 1, adapter: adapter)),
            .expertRetired(ExpertRetired(name: "adder", reason: "test"))])
        let decoded = try EngineState(encoded: state.encoded(), where: "the test")
        #expect(decoded == state && decoded.hash == state.hash)
    }

    @Test func aStateWithoutExpertsKeepsItsBytes() throws {
        let without = try ExpertFixture.state(ExpertFixture.nodeWithAdapter())
        let with = try ExpertFixture.state(ExpertFixture.nodeWithAdapter() + [.expertTrained(ExpertFixture.trained("adder"))])
        let tag = Array(EngineState.expertsTag.utf8)
        #expect(!without.encoded().contains(tag) && with.encoded().contains(tag))
        #expect(Array(with.encoded().prefix(without.encoded().count)) == without.encoded(), "the library is a section after the rest")
    }

    @Test func anEventKeepingACheckpointPastItsCurveDoesNotDecode() throws {
        var trained = ExpertFixture.trained("adder")
        trained.kept = 7
        let draft = try DomainEvent.expertTrained(trained).draft()
        let event = Event(sequence: 9, timeNanos: 0, type: draft.type, payload: draft.payload, blobs: [])
        #expect(throws: EngineError.self) { try DomainEvent(event) }
    }

    @Test(arguments: ["", "has space", "semi;colon", String(repeating: "a", count: 65), "émoji"])
    func aBadNameIsRefusedBeforeItIsWritten(name: String) {
        #expect(throws: EngineError.self) { try DomainEvent.expertRetired(ExpertRetired(name: name, reason: "test")).checkInput() }
    }

    @Test func aCurveWithANonFiniteAccuracyIsRefusedBeforeItIsWritten() {
        var trained = ExpertFixture.trained("adder")
        trained.curve[1].accuracy = .nan
        #expect(throws: EngineError.self) { try DomainEvent.expertTrained(trained).checkInput() }
    }

    @Test func anAnswerByAnExpertTheLibraryDoesNotHoldIsRefused() throws {
        let events = ExpertFixture.nodeWithAdapter() + [.expertTrained(ExpertFixture.trained("adder"))]
        let state = try ExpertFixture.state(events)
        func asked(_ use: ExpertUse) -> DomainEvent {
            .interactionRecorded(InteractionRecorded(interaction: 2, prompt: "What is 2 + 5?", response: "7", node: 1, embedding: Vector([1, 0]), similarity: 1,
                                                     adapter: nil, sampling: SamplingRecord(temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1, maxTokens: 8, seed: 0),
                                                     promptTokens: 5, responseTokens: 1, expert: use))
        }
        let adapter = try #require(state.experts["adder"]?.adapter)
        var ok = state
        try ok.apply(asked(ExpertUse(name: "adder", adapter: adapter, strategy: "embedding", similarity: 0.9)))
        var other = state
        #expect(throws: EngineError.self) { try other.apply(asked(ExpertUse(name: "adder", adapter: ExpertFixture.hash("another"), strategy: "embedding"))) }
        var retired = state
        try retired.apply(.expertRetired(ExpertRetired(name: "adder", reason: "test")))
        #expect(throws: EngineError.self) { try retired.apply(asked(ExpertUse(name: "adder", adapter: adapter, strategy: "embedding"))) }
        #expect(asked(ExpertUse(name: "adder", adapter: adapter, strategy: "prompt")).typeName == InteractionRecorded.expertTypeName)
    }

    @Test func aMixJoinsTheLibraryForItsTask() throws {
        let state = try ExpertFixture.state([.storeCreated(ExpertFixture.created), .expertTrained(ExpertFixture.trained("adder")),
                                             .expertMixed(ExpertFixture.mixed("minus", of: ["adder"]))])
        #expect(state.experts["minus"]?.task == "subtraction" && state.experts["minus"]?.accuracy == 0.5)
    }

    @Test func aMixOfAnExpertTheLibraryDoesNotHoldIsRefused() {
        #expect(throws: EngineError.self) {
            try ExpertFixture.state([.storeCreated(ExpertFixture.created), .expertMixed(ExpertFixture.mixed("minus", of: ["adder"]))])
        }
    }

    @Test func aMixWhoseFitnessIsNotItsBestGenerationsIsRefused() {
        var tampered = ExpertFixture.mixed("minus", of: ["adder"])
        tampered.fitness.accuracy = 0.9
        #expect(throws: EngineError.self) {
            try ExpertFixture.state([.storeCreated(ExpertFixture.created), .expertTrained(ExpertFixture.trained("adder")), .expertMixed(tampered)])
        }
    }

    @Test func aMixWhoseWeightsAreNotItsBestGenerationsIsRefused() {
        var tampered = ExpertFixture.mixed("minus", of: ["adder"])
        tampered.alpha = [0.25]
        #expect(throws: EngineError.self) {
            try ExpertFixture.state([.storeCreated(ExpertFixture.created), .expertTrained(ExpertFixture.trained("adder")), .expertMixed(tampered)])
        }
    }

    @Test func aMixPerMatrixHoldsAWeightPerExpertAndSite() throws {
        let state = try ExpertFixture.state([.storeCreated(ExpertFixture.created), .expertTrained(ExpertFixture.trained("adder")),
                                             .expertTrained(ExpertFixture.trained("counter")),
                                             .expertMixed(ExpertFixture.mixed("minus", of: ["adder", "counter"], sites: 3))])
        #expect(state.experts["minus"]?.task == "subtraction")
    }

    @Test func aMixPerExpertWithAWeightPerSiteIsRefused() {
        var tampered = ExpertFixture.mixed("minus", of: ["adder", "counter"], sites: 3)
        tampered.settings.granularity = nil
        #expect(throws: EngineError.self) {
            try ExpertFixture.state([.storeCreated(ExpertFixture.created), .expertTrained(ExpertFixture.trained("adder")),
                                     .expertTrained(ExpertFixture.trained("counter")), .expertMixed(tampered)])
        }
    }

    @Test func aMixPerMatrixWhoseWeightsDoNotDivideAmongItsExpertsIsRefused() {
        var tampered = ExpertFixture.mixed("minus", of: ["adder", "counter"], sites: 3)
        tampered.alpha.removeLast()
        #expect(throws: EngineError.self) {
            try ExpertFixture.state([.storeCreated(ExpertFixture.created), .expertTrained(ExpertFixture.trained("adder")),
                                     .expertTrained(ExpertFixture.trained("counter")), .expertMixed(tampered)])
        }
    }

    @Test func aMixPerMatrixShowsEachExpertsMeanWeight() {
        var mixed = ExpertFixture.mixed("minus", of: ["adder", "counter"], sites: 2)
        mixed.alpha = [0.2, 0.4, 1, 0]
        #expect(mixed.expertWeights(mixed.alpha) == [0.3, 0.5] && mixed.weightsTitle == "mean α over 2 matrices")
    }

    @Test func aMixRecordedBeforeTheChoiceDecodesAsPerExpertAndKeepsItsBytes() throws {
        let settings = MixSettings(task: "subtraction", granularity: .expert)
        let json = String(decoding: try JSONEncoder().encode(settings), as: UTF8.self)
        #expect(!json.contains("granularity") && settings.perMatrix == false)
        let decoded = try JSONDecoder().decode(MixSettings.self, from: Data(json.utf8))
        #expect(decoded == settings)
    }

    @Test func aMixWithAWeightOutsideZeroToOneIsRefusedBeforeItIsWritten() {
        var mixed = ExpertFixture.mixed("minus", of: ["adder"])
        mixed.alpha = [1.5]
        #expect(throws: EngineError.self) { try DomainEvent.expertMixed(mixed).checkInput() }
    }
}
