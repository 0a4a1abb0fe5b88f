import EventLog
import Foundation
import Testing
@testable import GESAL

/// Requests in `InteractionRecorded`: an interaction without one stays v1, one with
/// a request is v2, one with a conversation's earlier turns v3, and a version that disagrees
/// with its payload is refused by name.
struct AnswerRequestTests {
    static func interaction(_ request: AnswerRequest?) -> InteractionRecorded {
        InteractionRecorded(interaction: 3, prompt: "q", response: "a", node: 1, embedding: Vector([1, 0]), similarity: 1, adapter: nil,
                            sampling: SamplingRecord(temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1, maxTokens: 8, seed: 0),
                            promptTokens: 2, responseTokens: 1, request: request)
    }

    static let v1Payload = #"{"adapter":null,"embedding":"AACAPwAAAAA=","interaction":3,"node":1,"prompt":"q","promptTokens":2,"response":"a","responseTokens":1,"sampling":{"maxTokens":8,"repetitionPenalty":1,"seed":0,"temperature":0,"topK":0,"topP":1},"similarity":1}"#

    @Test func anInteractionWithoutARequestStaysV1() throws {
        let draft = try DomainEvent.interactionRecorded(Self.interaction(nil)).draft()
        #expect(draft.type == "InteractionRecorded.v1")
        let payload = try #require(BinaryPayload.json(of: Event(sequence: 1, timeNanos: 0, type: draft.type, payload: draft.payload, blobs: [])))
        #expect(!payload.contains("request"), "\(payload)")
    }

    @Test func anEmptyRequestIsNotRecorded() throws {
        #expect(Self.interaction(AnswerRequest()).request == nil)
        #expect(try DomainEvent.interactionRecorded(Self.interaction(AnswerRequest(stop: []))).draft().type == "InteractionRecorded.v1")
    }

    @Test func aRequestIsV2AndReadsBack() throws {
        let request = AnswerRequest(system: "Be brief.", temperature: 0.7, seed: 42, maxTokens: 5, stop: ["\n"])
        let draft = try DomainEvent.interactionRecorded(Self.interaction(request)).draft()
        #expect(draft.type == "InteractionRecorded.v2", "an older build refuses v2 by name")
        let back = try DomainEvent(Event(sequence: 9, timeNanos: 0, type: draft.type, payload: draft.payload, blobs: []))
        #expect(back == .interactionRecorded(Self.interaction(request)))
    }

    @Test func aVersionThatDisagreesWithItsRequestIsRefused() throws {
        let v2Payload = try DomainEvent.interactionRecorded(Self.interaction(AnswerRequest(temperature: 0.5))).draft().payload
        let v1WithRequest = Event(sequence: 4, timeNanos: 0, type: "InteractionRecorded.v1", payload: v2Payload, blobs: [])
        #expect { try DomainEvent(v1WithRequest) } throws: { "\($0)".contains("event 4") && "\($0)".contains("has a request") }
        let v2Without = Event(sequence: 5, timeNanos: 0, type: "InteractionRecorded.v2", payload: Array(Self.v1Payload.utf8), blobs: [])
        #expect { try DomainEvent(v2Without) } throws: { "\($0)".contains("event 5") && "\($0)".contains("has no request") }
        let emptyPayload = Self.v1Payload.replacingOccurrences(of: #","similarity""#, with: #","request":{},"similarity""#)
        let v2Empty = Event(sequence: 6, timeNanos: 0, type: "InteractionRecorded.v2", payload: Array(emptyPayload.utf8), blobs: [])
        #expect { try DomainEvent(v2Empty) } throws: { "\($0)".contains("event 6") && "\($0)".contains("empty request") }
    }

    static let turns = [AnswerRequest.Turn(role: "user", content: "My name is Ada."), AnswerRequest.Turn(role: "assistant", content: "Hello Ada.")]

    @Test func earlierTurnsAreV3AndReadBack() throws {
        let request = AnswerRequest(system: "Be brief.", turns: Self.turns)
        let draft = try DomainEvent.interactionRecorded(Self.interaction(request)).draft()
        #expect(draft.type == "InteractionRecorded.v3", "a build that knows v2 but not turns refuses v3 by name")
        let back = try DomainEvent(Event(sequence: 9, timeNanos: 0, type: draft.type, payload: draft.payload, blobs: []))
        #expect(back == .interactionRecorded(Self.interaction(request)))
    }

    @Test func turnsUnderTheWrongVersionAreRefused() throws {
        let v3Payload = try DomainEvent.interactionRecorded(Self.interaction(AnswerRequest(turns: Self.turns))).draft().payload
        let v2WithTurns = Event(sequence: 7, timeNanos: 0, type: "InteractionRecorded.v2", payload: v3Payload, blobs: [])
        #expect { try DomainEvent(v2WithTurns) } throws: { "\($0)".contains("event 7") && "\($0)".contains("earlier turns") }
        let v2Payload = try DomainEvent.interactionRecorded(Self.interaction(AnswerRequest(system: "s"))).draft().payload
        let v3Without = Event(sequence: 8, timeNanos: 0, type: "InteractionRecorded.v3", payload: v2Payload, blobs: [])
        #expect { try DomainEvent(v3Without) } throws: { "\($0)".contains("event 8") && "\($0)".contains("without turns") }
        let emptyTurns = Self.v1Payload.replacingOccurrences(of: #","similarity""#, with: #","request":{"system":"s","turns":[]},"similarity""#)
        let v3Empty = Event(sequence: 9, timeNanos: 0, type: "InteractionRecorded.v3", payload: Array(emptyTurns.utf8), blobs: [])
        #expect { try DomainEvent(v3Empty) } throws: { "\($0)".contains("event 9") && "\($0)".contains("empty turns") }
    }

    @Test func aTurnWithAnUnknownRoleIsRefusedBeforeItIsWritten() {
        let odd = DomainEvent.interactionRecorded(Self.interaction(AnswerRequest(turns: [.init(role: "tool", content: "42")])))
        #expect { try odd.checkInput() } throws: { "\($0)".contains("earlier turn 0 of interaction 3 has role 'tool'") }
    }

    @Test func aRequestOutOfRangeIsRefusedBeforeItIsWritten() {
        let hot = DomainEvent.interactionRecorded(Self.interaction(AnswerRequest(temperature: 11)))
        #expect { try hot.checkInput() } throws: { "\($0)".contains("temperature of interaction 3") }
        let stops = DomainEvent.interactionRecorded(Self.interaction(AnswerRequest(stop: ["a", "b", "c", "d", "e"])))
        #expect { try stops.checkInput() } throws: { "\($0)".contains("stop strings of interaction 3") }
    }
}

extension AnswerRequestTests {
    @Test func theAuditSaysHowAnInteractionWasAsked() {
        let plain = Audit.describe(.interactionRecorded(Self.interaction(nil)), [:])
        #expect(!plain.contains("asked with"))
        let asked = Audit.describe(.interactionRecorded(Self.interaction(AnswerRequest(system: "Be brief.", temperature: 0.7, seed: 42))), [:])
        #expect(asked.hasSuffix(#", asked with system "Be brief.", temperature 0.7, seed 42"#), "\(asked)")
        let talk = Audit.describe(.interactionRecorded(Self.interaction(AnswerRequest(turns: Self.turns))), [:])
        #expect(talk.hasSuffix(#", asked with 2 earlier turns (last: assistant "Hello Ada.")"#), "\(talk)")
    }
}
