import Engine
import EventLog
import Foundation
import GESAL
import SystemIO
import Testing
import TestSupport

/// `Engine.ask(_:)`: questions answered together write the log that asking them one after
/// another writes, byte for byte (routing, plans, answers, the order), including a question
/// whose node rejected an answer before (answered alone, with its retries).
@Suite(.serialized, .enabled(if: RealModels.available, RealModels.missing)) struct BatchedAskingTests {
    static let config = EngineConfig(similarityThreshold: 0.9, maxTokens: 8, negativeWeight: 0)
    static let sum = "What is 12 + 7? Answer with a number."
    static let questions: [(String, AnswerRequest?)] = [
        (sum, nil), ("What is the capital of France?", nil), ("Name three colours of the rainbow.", nil),
        ("What is the capital of France?", AnswerRequest(temperature: 0.7, seed: 9)),
        ("Say hello.", AnswerRequest(system: "You answer in French.", maxTokens: 5)),
    ]

    /// A store whose first answer to `sum` was rejected (memory only: no learning step).
    static func store(_ path: String) throws -> Engine {
        let engine = try RealModels.engine(at: path, config: config, seed: 2)
        let first = try engine.ask(sum)
        try engine.feedback(interaction: first.interaction, reward: -2)
        return engine
    }

    /// Every event's type and payload, in order (times differ between stores).
    static func history(_ engine: Engine) throws -> [String] {
        try engine.writer.store.events().map { $0.type + " " + String(decoding: $0.payload, as: UTF8.self) }
    }

    @Test func aBatchWritesTheLogThatAskingInOrderWrites() throws {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-batch")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let inOrder = try Self.store(path + "/a")
        let alone = try Self.questions.map { try inOrder.ask($0.0, request: $0.1) }
        let together = try Self.store(path + "/b")
        nonisolated(unsafe) var started: [Int] = []
        let batch = try together.ask(Self.questions.map { question in Engine.Question(question.0, request: question.1, onStart: { started.append($0) }) })
        #expect(batch.map(\.text) == alone.map(\.text))
        #expect(batch.map(\.interaction) == alone.map(\.interaction) && started == alone.map(\.interaction))
        #expect(try Self.history(together) == Self.history(inOrder))
        #expect(alone[0].text != (try inOrder.writer.store.events().compactMap { event -> String? in
            if case .interactionRecorded(let e) = try DomainEvent(event), e.interaction == 1 { e.response } else { nil }
        }.first), "the rejected answer is not repeated: that question was answered with its retries")
    }

    @Test func aQuestionThatCannotBeAskedStopsTheBatchBeforeAnythingRuns() throws {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-batch")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let engine = try RealModels.engine(at: path + "/s", config: Self.config)
        let head = engine.head
        #expect { try engine.ask([Engine.Question(Self.sum), Engine.Question("   ")]) } throws: { "\($0)".contains("the prompt is empty") }
        #expect(engine.head == head)
    }
}
