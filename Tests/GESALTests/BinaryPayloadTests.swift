import EventLog
import Foundation
import Testing
@testable import GESAL

/// The binary payloads of the frequent events (`BinaryPayload`): each reads back as the same
/// fact as its JSON would (Foundation's decoder is the oracle), hostile bytes are refused with
/// the event named, and a value JSON could not hold is still refused.
struct BinaryPayloadTests {
    static let sampling = SamplingRecord(temperature: 0.7, topK: 40, topP: 0.95, repetitionPenalty: 1.1, maxTokens: 48, seed: UInt64.max - 3)

    /// Every kind of field the encoding holds, absent and present.
    static let facts: [DomainEvent] = [
        .nodeCreated(NodeCreated(node: 1, interaction: 1, embedding: Vector([0.25, -1, 3e-8]), nearest: nil, similarity: nil)),
        .nodeCreated(NodeCreated(node: 2, interaction: 5, embedding: Vector([1, 2]), nearest: 1, similarity: 0.4375)),
        .nodeUpdated(NodeUpdated(node: 2, interaction: 6, centroid: Vector((0..<384).map { Float($0) / 7 }), count: 3)),
        .interactionRecorded(InteractionRecorded(interaction: 1, prompt: "What is 2 + 2? ✓", response: "4\n", node: 1, embedding: Vector([0.1, 0.2]),
                                                 similarity: 1, adapter: nil, sampling: sampling, promptTokens: 9, responseTokens: 2)),
        .interactionRecorded(InteractionRecorded(
            interaction: 7, prompt: "q", response: "", node: 3, embedding: Vector([]), similarity: -0.5, adapter: String(repeating: "ab", count: 32),
            sampling: sampling, promptTokens: 1, responseTokens: 0,
            request: AnswerRequest(system: "Be brief.", turns: [.init(role: "user", content: "hi"), .init(role: "assistant", content: "hello")],
                                   temperature: 0.5, seed: 9, stop: ["\n"]),
            signals: AnswerSignals(firstTokenMargin: 2.5, meanEntropy: 0.75, meanLogProbability: -1.25, steps: 4, nearestNode: 0.5, nearestCluster: 0.25),
            clusterAdapter: ClusterAdapterUse(cluster: 2, adapter: "cd", similarity: 0.875),
            expert: ExpertUse(name: "adder", adapter: "ef", strategy: "embedding", similarity: 0.5), knowledge: "0123")),
        .interactionRecorded(InteractionRecorded(
            interaction: 8, prompt: "p", response: "r", node: 1, embedding: Vector([2]), similarity: 0.5, adapter: nil, sampling: sampling,
            promptTokens: 1, responseTokens: 1,
            signals: AnswerSignals(firstTokenMargin: 1, meanEntropy: 2, meanLogProbability: -3, steps: 1, nearestNode: nil))),
        .feedbackRecorded(FeedbackRecorded(interaction: 3, reward: -2, source: "user")),
        .feedbackRecorded(FeedbackRecorded(interaction: 3, reward: 1, source: "checker", correction: "seven")),
        .triggerFired(TriggerFired(interaction: 3, scores: ["buffered": 1], threshold: 1)),
        .triggerFired(TriggerFired(interaction: 4, scores: ["tokenF1": 0.25, "firstTokenMargin": 3], threshold: 0.6,
                                   judgement: .init(fired: true, cause: .score, score: 0.7, badness: ["tokenF1": 0.75, "firstTokenMargin": 0.5]))),
        .triggerFired(TriggerFired(interaction: 5, scores: [:], threshold: 0.6, judgement: .init(fired: false, cause: .none, score: nil, badness: [:]))),
        .adapterUpdated(AdapterUpdated(node: 2, method: "reinforce-svf", adapterBlob: String(repeating: "1", count: 64),
                                       optimizerBlob: String(repeating: "2", count: 64), loss: 0.3125, interactions: [3, 5])),
    ]

    static func event(_ draft: EventDraft, sequence: UInt64 = 9) -> Event {
        Event(sequence: sequence, timeNanos: 0, type: draft.type, payload: draft.payload, blobs: draft.blobs)
    }

    /// The payload the event had before this encoding: its canonical JSON.
    static func jsonEvent(_ fact: DomainEvent) throws -> Event {
        let json: String
        switch fact {
        case .nodeCreated(let e): json = try canonicalJSON(e)
        case .nodeUpdated(let e): json = try canonicalJSON(e)
        case .interactionRecorded(let e): json = try canonicalJSON(e)
        case .feedbackRecorded(let e): json = try canonicalJSON(e)
        case .triggerFired(let e): json = try canonicalJSON(e)
        case .adapterUpdated(let e): json = try canonicalJSON(e)
        default: Issue.record("no JSON for \(fact.typeName)"); json = "{}"
        }
        return Event(sequence: 9, timeNanos: 0, type: fact.typeName, payload: Array(json.utf8), blobs: try fact.draft().blobs)
    }

    @Test(arguments: facts.indices) func aBinaryPayloadReadsBackAsTheFactItsJSONHolds(index: Int) throws {
        let fact = Self.facts[index]
        let draft = try fact.draft()
        #expect(Array(draft.payload.prefix(2)) == [BinaryPayload.marker, BinaryPayload.version])
        let fromJSON = try DomainEvent(try Self.jsonEvent(fact))
        #expect(fromJSON == fact, "the JSON oracle disagrees with the fact itself")
        #expect(try DomainEvent(Self.event(draft)) == fromJSON)
    }

    @Test(arguments: facts.indices) func theReadableFormOfABinaryPayloadIsItsJSON(index: Int) throws {
        let fact = Self.facts[index]
        let json = try #require(BinaryPayload.json(of: Self.event(try fact.draft())))
        #expect(Array(json.utf8) == (try Self.jsonEvent(fact)).payload)
    }

    @Test func aJSONPayloadHasNoBinaryForm() throws {
        #expect(BinaryPayload.json(of: try Self.jsonEvent(Self.facts[0])) == nil)
    }

    @Test func anEmbeddingTravelsInAFifthLessSpaceThanInJSON() throws {
        let fact = Self.facts[2]
        #expect(try fact.draft().payload.count * 4 < (try Self.jsonEvent(fact)).payload.count * 3)
    }

    /// Every truncation of every payload is refused as a corrupt event naming the event, never
    /// read as something else and never a crash.
    @Test(arguments: facts.indices) func everyTruncationIsRefusedByName(index: Int) throws {
        let draft = try Self.facts[index].draft()
        for length in 0..<draft.payload.count {
            let cut = Event(sequence: 41, timeNanos: 0, type: draft.type, payload: Array(draft.payload.prefix(length)), blobs: draft.blobs)
            #expect { try DomainEvent(cut) } throws: { error in
                "\(error)".contains("event 41") && (error as? EngineError)?.code == .corruptEvent
            }
        }
    }

    /// Every byte of every payload flipped three ways: each result is refused, or reads as a
    /// fact whose own payload is exactly those bytes (one encoding per fact; the invariant the
    /// `binary-payload` fuzz target checks).
    @Test(arguments: facts.indices) func aFlippedByteIsRefusedOrReadsAsTheFactItEncodes(index: Int) throws {
        let draft = try Self.facts[index].draft()
        for position in draft.payload.indices {
            for mask: UInt8 in [0x01, 0x80, 0xFF] {
                var bytes = draft.payload
                bytes[position] ^= mask
                guard let fact = try? DomainEvent(Event(sequence: 3, timeNanos: 0, type: draft.type, payload: bytes, blobs: [])) else { continue }
                let again = try fact.draft()
                #expect(again.payload == bytes && again.type == draft.type, "byte \(position) ^ \(mask)")
            }
        }
    }

    @Test func bytesAfterThePayloadAreRefused() throws {
        var draft = try Self.facts[6].draft()
        draft.payload.append(0)
        #expect { try DomainEvent(Self.event(draft)) } throws: { "\($0)".contains("1 bytes follow the payload") }
    }

    @Test func aCountLargerThanThePayloadIsRefusedBeforeAnyAllocation() throws {
        var draft = try Self.facts[2].draft()
        // NodeUpdated: marker, version, node (8), interaction (8), then the centroid's count.
        draft.payload.replaceSubrange(18..<26, with: withUnsafeBytes(of: Int64.max.littleEndian) { Array($0) })
        #expect { try DomainEvent(Self.event(draft)) } throws: { "\($0)".contains("is impossible") }
    }

    @Test func aNewerFormatIsRefusedByNumber() throws {
        var draft = try Self.facts[0].draft()
        draft.payload[1] = BinaryPayload.version + 1
        #expect { try DomainEvent(Self.event(draft)) } throws: { error in
            (error as? EngineError)?.code == .unsupportedEvent && "\(error)".contains("binary payload format 2")
        }
    }

    @Test func anUnknownTriggerCauseIsRefused() throws {
        let fact = DomainEvent.triggerFired(TriggerFired(interaction: 4, scores: [:], threshold: 1,
                                                         judgement: .init(fired: true, cause: .score, score: nil, badness: [:])))
        var draft = try fact.draft()
        let score = Array("score".utf8)
        let at = try #require(draft.payload.indices.first { Array(draft.payload[$0..<min($0 + 5, draft.payload.count)]) == score })
        draft.payload.replaceSubrange(at..<(at + 5), with: Array("bogus".utf8))
        #expect { try DomainEvent(Self.event(draft)) } throws: { "\($0)".contains("'bogus' is not a trigger's cause") }
    }

    /// The read side's check runs four blocks of eight lanes at a time, then single blocks,
    /// then one by one: every non-finite bit pattern is refused and the extreme finite ones are
    /// kept, in each of the four blocks of a turn (values 0-63 of a 77-value centroid), in a
    /// single block (64-71) and in the tail (72-76).
    @Test(arguments: [(Float.nan, false), (.infinity, false), (-.infinity, false), (.signalingNaN, false),
                      (.greatestFiniteMagnitude, true), (-.greatestFiniteMagnitude, true), (.leastNonzeroMagnitude, true), (-0.0, true)],
          [1, 13, 20, 63, 66, 76])
    func aStoredCentroidValueReadsOnlyWhenFinite(_ stored: (value: Float, reads: Bool), position: Int) throws {
        let (value, reads) = stored
        let centroid = Vector((0..<77).map { Float($0) - 7.5 })
        var draft = try DomainEvent.nodeUpdated(NodeUpdated(node: 1, interaction: 2, centroid: centroid, count: 2)).draft()
        // NodeUpdated: marker, version, node (8), interaction (8), the floats' count (8), the floats.
        let offset = 26 + 4 * position
        draft.payload.replaceSubrange(offset..<(offset + 4), with: withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) })
        if reads {
            guard case .nodeUpdated(let e) = try DomainEvent(Self.event(draft)) else { Issue.record("not a NodeUpdated"); return }
            #expect(e.centroid.values[position].bitPattern == value.bitPattern)
        } else {
            #expect { try DomainEvent(Self.event(draft)) } throws: { "\($0)".contains("NaN or infinite") }
        }
    }

    /// A text field reads only when its bytes are UTF-8. The table is the Unicode standard's
    /// (table 3-7, well-formed byte sequences): overlong forms, surrogates, code points past
    /// U+10FFFF, cut sequences and stray continuation bytes are refused; U+FFFD's own bytes
    /// (what a repairing decoder would put in) and four-byte characters are kept as they are.
    @Test(arguments: [([0x66, 0x6F], true), ([0xC3, 0xA9], true), ([0xEF, 0xBF, 0xBD], true), ([0xF0, 0x9F, 0x98, 0x80], true), ([], true),
                      ([0xFF], false), ([0x80], false), ([0xC0, 0x80], false), ([0xE0, 0x80, 0x80], false), ([0xED, 0xA0, 0x80], false),
                      ([0xF4, 0x90, 0x80, 0x80], false), ([0xE2, 0x82], false), ([0x61, 0xC3], false)] as [([UInt8], Bool)])
    func aTextFieldReadsOnlyWhenItIsUTF8(_ bytes: [UInt8], valid: Bool) throws {
        var out = CanonicalWriter()
        out.bytes = [BinaryPayload.marker, BinaryPayload.version]
        out.int(3)
        out.floats([1])
        out.int(bytes.count)
        out.bytes += bytes
        out.optionalString(nil)
        let event = Event(sequence: 12, timeNanos: 0, type: FeedbackRecorded.typeName, payload: out.bytes, blobs: [])
        if valid {
            guard case .feedbackRecorded(let e) = try DomainEvent(event) else { Issue.record("not a FeedbackRecorded"); return }
            #expect(Array(e.source.utf8) == bytes)
        } else {
            #expect { try DomainEvent(event) } throws: { error in
                (error as? EngineError)?.code == .corruptEvent && "\(error)".contains("event 12 (\(FeedbackRecorded.typeName)) at byte \(30 + bytes.count): a string is not UTF-8")
            }
        }
    }

    /// A reward is one float: a payload that stores two is refused by name (read without an
    /// array, the count is checked before the floats are).
    @Test func aFeedbackWithTwoRewardsIsRefused() throws {
        var out = CanonicalWriter()
        out.bytes = [BinaryPayload.marker, BinaryPayload.version]
        out.int(3)
        out.floats([1, 2])
        out.string("user")
        out.optionalString(nil)
        let event = Event(sequence: 5, timeNanos: 0, type: FeedbackRecorded.typeName, payload: out.bytes, blobs: [])
        #expect { try DomainEvent(event) } throws: { "\($0)".contains("the feedback's reward holds 2 values, not 1") }
    }

    /// A trigger's scores as written by hand: `names` then `values`. Only names in increasing
    /// order, one value each, read; the map that reads is the one written.
    @Test(arguments: [(["a", "b"], [1, 2], nil), (["b", "a"], [1, 2], "not in increasing order"), (["a", "a"], [1, 2], "not in increasing order"),
                      (["a", "b"], [1], "holds 1 values, not 2"), (["a"], [1, 2], "holds 2 values, not 1"), ([], [], nil)] as [([String], [Float], String?)])
    func aScoreMapReadsOnlyWithSortedNamesAndOneValueEach(_ names: [String], _ values: [Float], refusal: String?) throws {
        var out = CanonicalWriter()
        out.bytes = [BinaryPayload.marker, BinaryPayload.version]
        out.int(4)
        out.strings(names)
        out.floats(values)
        out.floats([0.5])  // threshold
        out.int(0)  // no judgement
        let event = Event(sequence: 8, timeNanos: 0, type: TriggerFired.typeName, payload: out.bytes, blobs: [])
        if let refusal {
            #expect { try DomainEvent(event) } throws: { ($0 as? EngineError)?.code == .corruptEvent && "\($0)".contains(refusal) }
        } else {
            guard case .triggerFired(let e) = try DomainEvent(event) else { Issue.record("not a TriggerFired"); return }
            #expect(e.scores == Dictionary(uniqueKeysWithValues: zip(names, values)))
        }
    }

    @Test func aValueJSONCouldNotHoldIsStillRefused() throws {
        let nan = DomainEvent.nodeUpdated(NodeUpdated(node: 1, interaction: 2, centroid: Vector([1, .nan]), count: 2))
        #expect { try nan.draft() } throws: { ($0 as? EngineError)?.code == .invalidRequest && "\($0)".contains("centroid") }
        let infinite = DomainEvent.feedbackRecorded(FeedbackRecorded(interaction: 1, reward: .infinity, source: "user"))
        #expect { try infinite.draft() } throws: { "\($0)".contains("reward") }
        var signals = AnswerSignals(firstTokenMargin: 1, meanEntropy: 1, meanLogProbability: 1, steps: 1, nearestNode: .nan)
        let interaction = InteractionRecorded(interaction: 1, prompt: "p", response: "r", node: 1, embedding: Vector([1]), similarity: 1, adapter: nil,
                                              sampling: Self.sampling, promptTokens: 1, responseTokens: 1, signals: signals)
        #expect { try DomainEvent.interactionRecorded(interaction).draft() } throws: { "\($0)".contains("signals") }
        signals.nearestNode = 0.5
        #expect(throws: Never.self) { try DomainEvent.interactionRecorded(InteractionRecorded(
            interaction: 1, prompt: "p", response: "r", node: 1, embedding: Vector([1]), similarity: 1, adapter: nil,
            sampling: Self.sampling, promptTokens: 1, responseTokens: 1, signals: signals)).draft() }
    }
}
