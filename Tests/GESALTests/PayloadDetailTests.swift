import EventLog
import Foundation
import Testing
@testable import GESAL

/// A replay's fold reads payloads with `PayloadDetail` asking for less: no interaction
/// embedding when the store keeps none, no scores of an unjudged trigger. The oracle is the
/// full reading (itself checked against Foundation's JSON decoder in `BinaryPayloadTests`):
/// the fold must refuse exactly what it refuses, in the same words, and otherwise read the
/// same fact with only those fields left empty.
struct PayloadDetailTests {
    static let fold = PayloadDetail(interactionEmbeddings: false, unjudgedTriggerScores: false)

    static func folded(_ event: Event) throws(EngineError) -> DomainEvent {
        var kinds = TypeKinds()
        return try DomainEvent(event, kinds: &kinds, detail: fold)
    }

    /// The full fact with what the fold leaves out taken out.
    static func thinned(_ fact: DomainEvent, type: String) -> DomainEvent {
        switch fact {
        case .interactionRecorded(var e):
            e.embedding = Vector([])
            return .interactionRecorded(e)
        case .triggerFired(var e) where type == TriggerFired.typeName:
            e.scores = [:]
            return .triggerFired(e)
        default:
            return fact
        }
    }

    /// Both readings of one event: both refuse with one message, or both read (the fold's fact
    /// the full one, thinned).
    static func expectSameReading(_ event: Event, _ what: Comment) {
        let full = Result { () throws(EngineError) in try DomainEvent(event) }
        let fold = Result { () throws(EngineError) in try folded(event) }
        switch (full, fold) {
        case (.success(let full), .success(let fold)): #expect(fold == thinned(full, type: event.type), what)
        case (.failure(let full), .failure(let fold)): #expect(full.message == fold.message && full.code == fold.code, what)
        default: Issue.record("one reading refuses and the other does not: \(full) against \(fold), \(what)")
        }
    }

    @Test(arguments: BinaryPayloadTests.facts.indices) func aFoldReadsEachFactAsTheFullReadingThinned(index: Int) throws {
        let fact = BinaryPayloadTests.facts[index]
        let event = BinaryPayloadTests.event(try fact.draft())
        #expect(try Self.folded(event) == Self.thinned(fact, type: event.type))
    }

    /// Every truncation and every byte flipped three ways: the fold refuses what the full
    /// reading refuses, for the same reason.
    @Test(arguments: BinaryPayloadTests.facts.indices) func aFoldRefusesExactlyWhatTheFullReadingRefuses(index: Int) throws {
        let draft = try BinaryPayloadTests.facts[index].draft()
        for length in 0..<draft.payload.count {
            Self.expectSameReading(Event(sequence: 41, timeNanos: 0, type: draft.type, payload: Array(draft.payload.prefix(length)), blobs: []),
                                   "cut to \(length) bytes")
        }
        for position in draft.payload.indices {
            for mask: UInt8 in [0x01, 0x80, 0xFF] {
                var bytes = draft.payload
                bytes[position] ^= mask
                Self.expectSameReading(Event(sequence: 3, timeNanos: 0, type: draft.type, payload: bytes, blobs: []), "byte \(position) ^ \(mask)")
            }
        }
    }

    /// An embedding the fold does not copy is still checked: a NaN in it refuses the event.
    @Test func aNaNInAnEmbeddingTheFoldDropsIsStillRefused() throws {
        let interaction = InteractionRecorded(interaction: 1, prompt: "p", response: "r", node: 1, embedding: Vector([1, 2, 3]), similarity: 1,
                                              adapter: nil, sampling: BinaryPayloadTests.sampling, promptTokens: 1, responseTokens: 1)
        var draft = try DomainEvent.interactionRecorded(interaction).draft()
        // marker, version, interaction (8), prompt (8 + 1), response (8 + 1), node (8), the count (8), then the floats.
        let offset = 2 + 8 + 9 + 9 + 8 + 8 + 4
        #expect(draft.payload[offset..<(offset + 4)].elementsEqual(withUnsafeBytes(of: Float(2).bitPattern.littleEndian) { Array($0) }))
        draft.payload.replaceSubrange(offset..<(offset + 4), with: withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { Array($0) })
        #expect { try Self.folded(BinaryPayloadTests.event(draft)) } throws: { "\($0)".contains("a float is NaN or infinite") }
    }

    /// Score maps written by hand, with names of ASCII (checked by their bytes) and of other
    /// UTF-8 or none (read by the full reading): each is refused by the fold as by the full
    /// reading, or read by both.
    @Test(arguments: [["a", "b"], ["b", "a"], ["a", "a"], ["ab", "b"], ["b", "ab"], ["a", "é"], ["é", "a"], ["é", "e\u{301}"], []] as [[String]],
          [false, true])
    func anUnjudgedScoreMapIsCheckedAsTheFullReadingChecksIt(_ names: [String], invalidUTF8: Bool) throws {
        var out = CanonicalWriter()
        out.bytes = [BinaryPayload.marker, BinaryPayload.version]
        out.int(4)
        out.int(names.count)
        for (i, name) in names.enumerated() {
            let bytes = Array(name.utf8) + (invalidUTF8 && i == names.count - 1 ? [0xFF] : [])
            out.int(bytes.count)
            out.bytes += bytes
        }
        out.floats(names.indices.map(Float.init))
        out.floats([0.5])  // threshold
        out.int(0)  // no judgement
        Self.expectSameReading(Event(sequence: 8, timeNanos: 0, type: TriggerFired.typeName, payload: out.bytes, blobs: []), "\(names)")
    }

    /// A judged trigger's scores are checked against its judgement by the fold, so they are read.
    @Test func aJudgedTriggerKeepsItsScores() throws {
        let judged = try #require(BinaryPayloadTests.facts.first { if case .triggerFired(let e) = $0 { e.judgement != nil && !e.scores.isEmpty } else { false } })
        #expect(try Self.folded(BinaryPayloadTests.event(try judged.draft())) == judged)
    }
}
