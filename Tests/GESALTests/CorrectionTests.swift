import EventLog
import Foundation
import Testing
@testable import GESAL

/// Corrections in `FeedbackRecorded`: old events keep their bytes, the projection keeps the
/// node's known right answers, and the state encoding stays v1 (same hashes) until a
/// correction exists.
struct CorrectionTests {
    static let created = StoreCreated(modelFingerprint: "f00d", model: "tiny", embedder: "tiny", threads: 2, blasCore: "SkylakeX", seed: 7,
                                      config: EngineConfig(bufferSize: 1, negativeWeight: 0))

    static func asked(_ interaction: Int, _ prompt: String, node: Int, new: Bool) -> [DomainEvent] {
        let embedding = Vector([1, 0, 0, Float(node)])
        return [
            new ? .nodeCreated(NodeCreated(node: node, interaction: interaction, embedding: embedding, nearest: nil, similarity: nil))
                : .nodeUpdated(NodeUpdated(node: node, interaction: interaction, centroid: embedding, count: 2)),
            .interactionRecorded(InteractionRecorded(
                interaction: interaction, prompt: prompt, response: "The answer is 1", node: node, embedding: embedding, similarity: 1,
                adapter: nil, sampling: SamplingRecord(temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1, maxTokens: 8, seed: 0),
                promptTokens: 10, responseTokens: 4)),
        ]
    }

    static func state(_ events: [DomainEvent]) throws -> EngineState {
        var state = EngineState()
        for event in [.storeCreated(created)] + events { try state.apply(event) }
        return state
    }

    /// The payloads are binary now (`BinaryPayload`); what they stand for is the JSON an
    /// older build wrote, and a correction still changes the version.
    @Test func feedbackWithoutACorrectionStaysV1() throws {
        func json(_ draft: EventDraft) -> String? {
            BinaryPayload.json(of: Event(sequence: 1, timeNanos: 0, type: draft.type, payload: draft.payload, blobs: []))
        }
        let plain = try DomainEvent.feedbackRecorded(FeedbackRecorded(interaction: 3, reward: -2, source: "user")).draft()
        #expect(json(plain) == #"{"interaction":3,"reward":-2,"source":"user"}"#)
        let corrected = try DomainEvent.feedbackRecorded(FeedbackRecorded(interaction: 3, reward: -2, source: "user", correction: "3")).draft()
        #expect(json(corrected) == #"{"correction":"3","interaction":3,"reward":-2,"source":"user"}"#)
        #expect(plain.type == "FeedbackRecorded.v1" && corrected.type == "FeedbackRecorded.v2", "an older build refuses v2 by name")
    }

    @Test func aVersionThatDisagreesWithItsCorrectionIsRefused() throws {
        let v1WithCorrection = Event(sequence: 4, timeNanos: 0, type: "FeedbackRecorded.v1",
                                     payload: Array(#"{"correction":"3","interaction":3,"reward":-2,"source":"user"}"#.utf8), blobs: [])
        #expect { try DomainEvent(v1WithCorrection) } throws: { "\($0)".contains("event 4") && "\($0)".contains("has a correction") }
        let v2Without = Event(sequence: 5, timeNanos: 0, type: "FeedbackRecorded.v2", payload: Array(#"{"interaction":3,"reward":-2,"source":"user"}"#.utf8), blobs: [])
        #expect { try DomainEvent(v2Without) } throws: { "\($0)".contains("event 5") && "\($0)".contains("has no correction") }
    }

    @Test func aCorrectionBecomesTheNodesKnownAnswerAndALaterOneReplacesIt() throws {
        let state = try Self.state(Self.asked(1, "q", node: 1, new: true) + Self.asked(2, "q", node: 1, new: false) + [
            .feedbackRecorded(FeedbackRecorded(interaction: 1, reward: -2, source: "user", correction: "2")),
            .feedbackRecorded(FeedbackRecorded(interaction: 2, reward: -2, source: "user", correction: "3")),
        ])
        #expect(state.interactions[1]!.correction == "2" && state.interactions[2]!.correction == "3")
        #expect(state.nodes[1]!.knownAnswers == [2], "one known answer per prompt: the latest")
    }

    @Test func aCorrectedMinusTwoIsBufferedEvenWhenNegativeFeedbackIsMemoryOnly() throws {
        let plain = try Self.state(Self.asked(1, "q", node: 1, new: true) + [.feedbackRecorded(FeedbackRecorded(interaction: 1, reward: -2, source: "user"))])
        #expect(plain.nodes[1]!.buffer.isEmpty)
        let corrected = try Self.state(Self.asked(1, "q", node: 1, new: true)
            + [.feedbackRecorded(FeedbackRecorded(interaction: 1, reward: -2, source: "user", correction: "0"))])
        #expect(corrected.nodes[1]!.buffer.map(\.interaction) == [1])
        #expect(!EngineConfig(negativeWeight: 0, correctionWeight: 0).learnsFrom(reward: -2, corrected: true))
    }

    @Test func theStateEncodingIsV1UntilACorrectionExists() throws {
        let plain = try Self.state(Self.asked(1, "q", node: 1, new: true) + [.feedbackRecorded(FeedbackRecorded(interaction: 1, reward: 1, source: "user"))])
        #expect(Array(plain.encoded()[8..<21]) == Array("GESALSTATE.v1".utf8))
        let corrected = try Self.state(Self.asked(1, "q", node: 1, new: true)
            + [.feedbackRecorded(FeedbackRecorded(interaction: 1, reward: -2, source: "user", correction: "0"))])
        #expect(Array(corrected.encoded()[8..<21]) == Array("GESALSTATE.v2".utf8))
        #expect(try EngineState(encoded: corrected.encoded(), where: "test") == corrected)
        #expect(try EngineState(encoded: plain.encoded(), where: "test") == plain)
        #expect(corrected.hash != plain.hash)
    }

    @Test func aTruncatedV2StateIsRefusedWithItsOffset() throws {
        let corrected = try Self.state(Self.asked(1, "q", node: 1, new: true)
            + [.feedbackRecorded(FeedbackRecorded(interaction: 1, reward: -2, source: "user", correction: "0"))])
        let bytes = corrected.encoded()
        #expect { try EngineState(encoded: Array(bytes.dropLast(4)), where: "snapshot x") } throws: { "\($0)".contains("snapshot x at byte") }
    }

    @Test func blankAndOverlongCorrectionsAreRefused() throws {
        #expect { try DomainEvent.feedbackRecorded(FeedbackRecorded(interaction: 1, reward: -2, source: "user", correction: "  ")).checkInput() }
            throws: { "\($0)".contains("is empty") }
        #expect { try DomainEvent.feedbackRecorded(FeedbackRecorded(interaction: 1, reward: -2, source: "user",
                                                                     correction: String(repeating: "x", count: 5000))).checkInput() }
            throws: { "\($0)".contains("5000") && "\($0)".contains("4096") }
        #expect { try EngineConfig(correctionWeight: -1).validate() } throws: { "\($0)".contains("correctionWeight") }
    }
}
