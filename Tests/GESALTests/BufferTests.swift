import EventLog
import Foundation
import Testing
@testable import GESAL
import TestSupport

/// SAGE's buffer as the log holds it: which answers enter, when a round's cluster forms, grows
/// and merges, what the projection refuses, and the v4 state encoding, on `BufferFixture`'s
/// two groups of prompts, whose rounds can be worked by hand.
struct BufferTests {
    static let trigger = BufferFixture.trigger
    static func created(_ buffer: BufferSettings? = BufferSettings()) -> StoreCreated { BufferFixture.created(buffer) }
    static func asked(_ interaction: Int) -> [DomainEvent] { BufferFixture.asked(interaction) }
    static func fired(_ interaction: Int) -> [DomainEvent] { BufferFixture.fired(interaction) }
    static func stream(_ count: Int, buffer: BufferSettings = BufferSettings()) throws -> (state: EngineState, rounds: [[DomainEvent]]) {
        let (state, _, rounds) = try BufferFixture.stream(count, buffer: buffer)
        return (state, rounds)
    }

    @Test func noClusterFormsBeforeItHasHeldForThreeRounds() throws {
        let (_, rounds) = try Self.stream(5)
        // Rounds 1 to 3 find no cluster, 4 finds both pairs, 5 a triple of A: held 2 rounds.
        #expect(rounds.allSatisfy { $0.isEmpty })
    }

    @Test func bothGroupsFormInTheirThirdRound() throws {
        let (state, rounds) = try Self.stream(6)
        let formed = rounds[5].compactMap { if case .clusterFormed(let e) = $0 { e } else { nil } }
        #expect(Set(formed.map { Set($0.members) }) == [[1, 3, 5], [2, 4, 6]])
        #expect(formed.map(\.cluster) == [1, 2])
        #expect(formed.allSatisfy { $0.agreement == 1 && $0.centreCosine > 0.99 && $0.rounds == 3 })
        #expect(state.buffer.clusters.count == 2 && state.buffer.nextCluster == 3)
    }

    @Test func aFormedClusterTakesTheNewMembersOfItsRoundCluster() throws {
        let (state, rounds) = try Self.stream(7)
        guard case .clusterUpdated(let update)? = rounds[6].first else { Issue.record("round 7 made \(rounds[6])"); return }
        #expect(update.members == [1, 3, 5, 7] && rounds[6].count == 1)
        let a = state.buffer.clusters[update.cluster]!
        #expect(a.members == [1, 3, 5, 7])
        // The centre is the members' mean.
        #expect(abs(a.centre[1] - (0.01 + 0.03 + 0.05 + 0.07) / 4) < 1e-6)
    }

    @Test func clustersWhoseCentresComeCloseMerge() throws {
        let (state, rounds) = try Self.stream(7, buffer: BufferSettings(mergeCosine: -1))
        let merges = rounds[6].compactMap { if case .clustersMerged(let e) = $0 { e } else { nil } }
        #expect(merges.count == 1)
        #expect(merges.first?.sources == [1, 2] && merges.first?.into == 3 && merges.first?.reason == .closeCentres)
        #expect(merges.first.map { Set($0.members) } == Set(1...7))
        #expect(state.buffer.clusters.keys.sorted() == [3], "the sources end")
    }

    @Test func theNearestClusterIsTheMostSimilarCentre() throws {
        let (state, _) = try Self.stream(6)
        let nearest = try #require(state.buffer.nearest(to: [0.1, 1, 0, 0]))
        #expect(state.buffer.clusters[nearest.cluster]!.members == [2, 4, 6])
        #expect(nearest.similarity > 0.99)
        #expect(EngineState().buffer.nearest(to: [1, 0]) == nil)
    }

    // MARK: What the projection refuses

    static func refusal(_ events: [DomainEvent], created: StoreCreated = created()) -> String? {
        var state = EngineState()
        do {
            for event in [.storeCreated(created)] + events { try state.apply(event) }
            return nil
        } catch {
            return error.message
        }
    }

    @Test func aTamperedClusterFormedIsRefused() throws {
        var (_, rounds) = try Self.stream(6)
        guard case .clusterFormed(var formed) = rounds[5][0] else { Issue.record("no cluster formed"); return }
        formed.members.removeLast()
        rounds[5][0] = .clusterFormed(formed)
        var events: [DomainEvent] = []
        for (i, round) in rounds.enumerated() { events += Self.asked(i + 1) + Self.fired(i + 1) + [.bufferSampleAdded(BufferSampleAdded(interaction: i + 1))] + round }
        let message = try #require(Self.refusal(events))
        #expect(message.contains("does not follow from the buffer's round") && message.contains("cluster 1"))
    }

    @Test func aClusterEventNoRoundMadeIsRefused() {
        let message = Self.refusal(Self.asked(1) + [.clusterDissolved(ClusterDissolved(cluster: 1, rounds: 3))])
        #expect(message?.contains("follows no buffer round") == true)
    }

    @Test func anotherEventBeforeTheRoundsClusterEventsIsRefused() throws {
        let (_, rounds) = try Self.stream(6)
        var events: [DomainEvent] = []
        for i in 1...5 { events += Self.asked(i) + Self.fired(i) + [.bufferSampleAdded(BufferSampleAdded(interaction: i))] }
        events += Self.asked(6) + Self.fired(6) + [.bufferSampleAdded(BufferSampleAdded(interaction: 6)), .reverted(Reverted(excluded: [1], reason: "x"))]
        #expect(Self.refusal(events)?.contains("comes before the record's derived ClusterFormed") == true)
        #expect(Self.refusal(events.dropLast() + rounds[5]) == nil, "with the round's events in their place it folds")
    }

    @Test func aSampleEntersOnlyWhenTheTriggerJustFiredOnItAndOnce() {
        let add = DomainEvent.bufferSampleAdded(BufferSampleAdded(interaction: 1))
        #expect(Self.refusal(Self.asked(1) + [add])?.contains("without the trigger firing on it") == true)
        let notFired: [DomainEvent] = [.feedbackRecorded(FeedbackRecorded(interaction: 1, reward: 1, source: "user")),
                                       .triggerFired(Self.trigger.judge(interaction: 1, reward: 1, signals: [:], calibration: nil))]
        #expect(Self.refusal(Self.asked(1) + notFired + [add])?.contains("without the trigger firing on it") == true)
        #expect(Self.refusal(Self.asked(1) + Self.fired(1) + [add] + Self.fired(1) + [add])?.contains("a second time") == true)
        #expect(Self.refusal(Self.asked(1) + Self.fired(1) + [add], created: Self.created(nil))?.contains("made without one") == true)
    }

    @Test func aPromptEntersTheBufferOnce() throws {
        var again = Self.asked(1)
        guard case .interactionRecorded(var repeated) = again[1] else { return }
        repeated.interaction = 2
        again = [.interactionRecorded(repeated)]
        let add = { (i: Int) in DomainEvent.bufferSampleAdded(BufferSampleAdded(interaction: i)) }
        #expect(Self.refusal(Self.asked(1) + Self.fired(1) + [add(1)] + again + Self.fired(2) + [add(2)])?.contains("its prompt is in it already") == true)
    }

    @Test func aBufferWithoutATriggerOrOutOfRangeIsRefused() {
        #expect(throws: EngineError.self) { try EngineConfig(buffer: BufferSettings()).validate() }
        #expect(throws: EngineError.self) { try EngineConfig(trigger: Self.trigger, buffer: BufferSettings(minClusterSize: 1)).validate() }
        #expect(throws: EngineError.self) { try EngineConfig(trigger: Self.trigger, buffer: BufferSettings(stableRounds: 1)).validate() }
        #expect(throws: EngineError.self) { try EngineConfig(trigger: Self.trigger, buffer: BufferSettings(mergeCosine: 1.5)).validate() }
        #expect(throws: Never.self) { try EngineConfig(trigger: Self.trigger, buffer: BufferSettings()).validate() }
    }

    // MARK: The state encoding

    @Test func aStoreWithABufferEncodesAsV4AndRoundTrips() throws {
        let (state, _) = try Self.stream(7)
        let bytes = state.encoded()
        #expect(Array(bytes[8..<21]) == Array("GESALSTATE.v4".utf8))
        let restored = try EngineState(encoded: bytes, where: "test")
        #expect(restored == state)
        #expect(restored.buffer.clusters.count == 2 && restored.interactions[3]?.embedding == BufferFixture.point(3))
    }

    @Test func aStoreWithATriggerAndNoBufferKeepsV3() throws {
        var state = EngineState()
        for event in [.storeCreated(Self.created(nil))] + Self.asked(1) + Self.fired(1) { try state.apply(event) }
        #expect(Array(state.encoded()[8..<21]) == Array("GESALSTATE.v3".utf8))
        #expect(state.interactions[1]?.embedding == nil, "embeddings are kept only for a buffer")
    }

    @Test func aClusterOutsideTheBufferInASnapshotIsRefused() throws {
        var (state, _) = try Self.stream(6)
        state.buffer.clusters[1]!.members.append(99)
        #expect { try EngineState(encoded: state.encoded(), where: "snapshot y") } throws: { "\($0)".contains("members outside the buffer") }
    }

    // MARK: The trigger's cluster signal

    @Test func theClusterSignalIsAnUncalibratedCosine() {
        #expect(TriggerSignal.clusterSimilarity.largeIsBad && !TriggerSignal.clusterSimilarity.isCalibrated)
        #expect(TriggerSignal.clusterSimilarity.badness(0.75, calibration: nil) == 0.75)
        #expect(TriggerSignal.clusterSimilarity.badness(-0.2, calibration: nil) == 0)
        let signals = AnswerSignals(firstTokenMargin: 1, meanEntropy: 1, meanLogProbability: -1, steps: 2, nearestNode: 0.5, nearestCluster: 0.9)
        #expect(signals.named[TriggerSignal.clusterSimilarity.rawValue] == 0.9)
        let calibration = TriggerCalibrated(interactions: [1, 2], samples: [signals.named, signals.named])
        #expect(calibration.quantiles[TriggerSignal.clusterSimilarity.rawValue] == nil && calibration.quantiles[TriggerSignal.nodeDistance.rawValue] != nil)
    }
}
