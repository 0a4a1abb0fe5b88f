import Testing
@testable import Engine
import GESAL

/// What a node's learning step trains on, read from the state alone (no model): GESAL's
/// rewarded answers, then the node's known right answers at `correctionWeight`.
struct TrainingSampleTests {
    static func state(config: EngineConfig, feedback: [FeedbackRecorded], prompts: [String] = ["q1", "q2"]) throws -> EngineState {
        var state = EngineState()
        try state.apply(.storeCreated(StoreCreated(modelFingerprint: "f", model: "m", embedder: "e", threads: 1, blasCore: "b", seed: 1, config: config)))
        for (index, prompt) in prompts.enumerated() {
            let id = index + 1
            let embedding = Vector([1, 0])
            try state.apply(index == 0 ? .nodeCreated(NodeCreated(node: 1, interaction: id, embedding: embedding, nearest: nil, similarity: nil))
                                       : .nodeUpdated(NodeUpdated(node: 1, interaction: id, centroid: embedding, count: id)))
            try state.apply(.interactionRecorded(InteractionRecorded(
                interaction: id, prompt: prompt, response: "answer \(id)", node: 1, embedding: embedding, similarity: 1, adapter: nil,
                sampling: SamplingRecord(temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1, maxTokens: 8, seed: 0),
                promptTokens: 5, responseTokens: 2)))
        }
        for e in feedback { try state.apply(.feedbackRecorded(e)) }
        return state
    }

    static func samples(_ state: EngineState) -> [String] {
        LearningStep.trainingSamples(node: state.nodes[1]!, in: state, config: state.created!.config)
            .map { "\($0.interaction):\($0.response):\($0.reward):\($0.isCorrection)" }
    }

    @Test func aCorrectedMinusTwoTrainsOnTheCorrectionNotOnTheWrongAnswer() throws {
        let state = try Self.state(config: EngineConfig(negativeWeight: 0),
                                   feedback: [FeedbackRecorded(interaction: 1, reward: -2, source: "user", correction: "3")])
        #expect(Self.samples(state) == ["1:3:1.0:true"])
    }

    @Test func knownAnswersAreRehearsedBesideANewRewardAtTheirWeight() throws {
        let state = try Self.state(config: EngineConfig(bufferSize: 2, negativeWeight: 0, correctionWeight: 0.5), feedback: [
            FeedbackRecorded(interaction: 1, reward: -2, source: "user", correction: "3"),
            FeedbackRecorded(interaction: 2, reward: 1, source: "user"),
        ])
        #expect(Self.samples(state) == ["2:answer 2:1.0:false", "1:3:0.5:true"])
    }

    @Test func withGESALsNegativeWeightTheWrongAnswerStaysBesideItsCorrection() throws {
        let state = try Self.state(config: EngineConfig(), feedback: [FeedbackRecorded(interaction: 1, reward: -2, source: "user", correction: "3")])
        #expect(Self.samples(state) == ["1:answer 1:-2.0:false", "1:3:1.0:true"])
    }

    @Test func correctionWeightZeroKeepsCorrectionsAsMemoryOnly() throws {
        let state = try Self.state(config: EngineConfig(correctionWeight: 0),
                                   feedback: [FeedbackRecorded(interaction: 1, reward: -2, source: "user", correction: "3")])
        #expect(Self.samples(state) == ["1:answer 1:-2.0:false"])
        #expect(state.nodes[1]!.knownAnswers == [1], "the correction is still the node's known answer")
    }
}
