import Engine
import EventLog
import Foundation
import GESAL
import SystemIO
import Testing
import TestSupport

/// `Engine.ask(_:admitting:)`: questions answered together get the answers and numbers that
/// asking them one after another gives, including a question whose node rejected an answer
/// before (answered alone, with its retries), and write the log that recording them in the
/// order their answers complete writes, byte for byte; questions offered while they decode join.
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
        try engine.writer.history.events().map { $0.type + " " + String(decoding: $0.payload, as: UTF8.self) }
    }

    /// The interactions `engine` recorded, in the log's order.
    static func interactions(_ engine: Engine) throws -> [InteractionRecorded] {
        try engine.writer.history.events().compactMap { event in
            if case .interactionRecorded(let e) = try DomainEvent(event) { e } else { nil }
        }
    }

    @Test func aBatchAnswersAsAskingInOrderAndNumbersInThatOrder() throws {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-batch")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let inOrder = try Self.store(path + "/a")
        let alone = try Self.questions.map { try inOrder.ask($0.0, request: $0.1) }
        let together = try Self.store(path + "/b")
        nonisolated(unsafe) var started: [Int] = []
        let batch = try together.ask(Self.questions.map { question in Engine.Question(question.0, request: question.1, onStart: { started.append($0) }) })
        #expect(batch.map(\.text) == alone.map(\.text))
        #expect(batch.map(\.interaction) == alone.map(\.interaction) && started == alone.map(\.interaction))
        #expect(alone[0].text != (try Self.interactions(inOrder).first { $0.interaction == 1 }?.response),
                "the rejected answer is not repeated: that question was answered with its retries")
    }

    /// Interactions are recorded as their answers complete; the log is the one that recording
    /// them one by one in that order, under the same numbers, writes, byte for byte.
    @Test func aBatchWritesTheLogOfAskingInTheOrderItsAnswersComplete() throws {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-batch")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let together = try Self.store(path + "/b")
        nonisolated(unsafe) var answered: [Int] = []
        _ = try together.ask(Self.questions.map { Engine.Question($0.0, request: $0.1) }) { position, _ in answered.append(position) }
        #expect(answered.sorted() == Array(Self.questions.indices))
        #expect(answered != Array(Self.questions.indices), "some answer completes before one asked earlier, so the order is tested")
        let oneByOne = try Self.store(path + "/c")
        for e in try Self.interactions(together).dropFirst() {
            _ = try oneByOne.record(prompt: e.prompt, embedding: oneByOne.models.embedder.embed(e.prompt), interaction: e.interaction,
                                    request: e.request) { try oneByOne.answer($0) }
        }
        #expect(try Self.history(together) == Self.history(oneByOne))
    }

    /// Continuous batching at the engine: offered questions join the batch, are numbered after
    /// the given ones, and get the answers they get alone.
    @Test func offeredQuestionsJoinAndAreAnsweredAsAlone() throws {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-batch")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let given = [Self.sum, "What is the capital of France?"], waiting = ["Name three colours of the rainbow.", "Say hello."]
        let engine = try RealModels.engine(at: path + "/s", config: Self.config)
        nonisolated(unsafe) var offered = waiting
        let admission = Engine.Admission(next: { _ in offered.first.map { (key: waiting.count - offered.count, question: Engine.Question($0)) } },
                                         take: { key in
                                             guard key == waiting.count - offered.count else { return false }
                                             offered.removeFirst()
                                             return true
                                         })
        nonisolated(unsafe) var answered: [Int] = []
        let answers = try engine.ask(given.map { Engine.Question($0) }, admitting: admission) { position, _ in answered.append(position) }
        #expect(offered.isEmpty)
        #expect(answers.map(\.interaction) == [1, 2, 3, 4] && answered.sorted() == [0, 1, 2, 3])
        let alone = try RealModels.engine(at: path + "/t", config: Self.config)
        #expect(try answers.map(\.text) == (given + waiting).map { try alone.ask($0).text })
    }

    /// A question that cannot join (its node rejected an answer: it is answered with retries,
    /// alone) is not taken, and no question after it is offered to this batch.
    @Test func anOfferThatCannotJoinEndsTheOffers() throws {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-batch")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let engine = try Self.store(path + "/s")
        nonisolated(unsafe) var offers = 0
        let admission = Engine.Admission(next: { _ in
            offers += 1
            return (key: 0, question: Engine.Question(Self.sum))
        }, take: { _ in
            Issue.record("took a question that cannot join")
            return false
        })
        let answers = try engine.ask([Engine.Question("What is the capital of France?")], admitting: admission)
        #expect(answers.count == 1 && offers == 1)
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
