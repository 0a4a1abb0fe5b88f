import Foundation
import Testing
import EventLog
@testable import GESAL
import SystemIO

/// A seeded random GESAL session: asks that create or update nodes, feedback, adapter
/// updates and rejections, triggers, snapshots.
struct RandomSession {
    var state: UInt64

    mutating func next(_ bound: Int) -> Int {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Int((state >> 33) % UInt64(bound))
    }

    /// The events of `asks` interactions; `blob` stores a blob and returns its hash.
    mutating func events(asks: Int, blob: (String) throws -> String) rethrows -> [DomainEvent] {
        var events: [DomainEvent] = [.storeCreated(StoreCreated(modelFingerprint: "f00d", model: "tiny", embedder: "tiny", threads: 2,
                                                                blasCore: "SkylakeX", seed: 7, config: EngineConfig(bufferSize: 2)))]
        var centroids: [Int: ([Float], Int)] = [:]
        var buffers: [Int: [Int]] = [:]
        var nodeOf: [Int: Int] = [:]
        for interaction in 0..<asks {
            let embedding = (0..<4).map { _ in Float(next(1000)) / 1000 }
            let node: Int
            if centroids.isEmpty || next(4) == 0 {
                node = centroids.count
                events.append(.nodeCreated(NodeCreated(node: node, interaction: interaction, embedding: Vector(embedding),
                                                       nearest: centroids.isEmpty ? nil : 0, similarity: centroids.isEmpty ? nil : 0.3)))
                centroids[node] = (embedding, 1)
            } else {
                node = next(centroids.count)
                let (old, count) = centroids[node]!
                let mean = zip(old, embedding).map { ($0 * Float(count) + $1) / Float(count + 1) }
                centroids[node] = (mean, count + 1)
                events.append(.nodeUpdated(NodeUpdated(node: node, interaction: interaction, centroid: Vector(mean), count: count + 1)))
            }
            nodeOf[interaction] = node
            events.append(.interactionRecorded(InteractionRecorded(
                interaction: interaction, prompt: "prompt \(interaction) 🙂", response: "answer \(next(5))", node: node,
                embedding: Vector(embedding), similarity: 0.9, adapter: nil,
                sampling: SamplingRecord(temperature: 0.8, topK: 0, topP: 1, repetitionPenalty: 1, maxTokens: 32, seed: UInt64(interaction)),
                promptTokens: 10, responseTokens: 3)))
            if next(5) == 0 {
                events.append(.triggerFired(TriggerFired(interaction: interaction, scores: ["entropy": 2.5, "margin": 0.1], threshold: 0.5)))
            }
            if next(2) == 0 {
                let target = next(interaction + 1)
                events.append(.feedbackRecorded(FeedbackRecorded(interaction: target, reward: next(2) == 0 ? 1 : -2, source: "checker")))
                let n = nodeOf[target]!
                buffers[n, default: []].append(target)
                if buffers[n]!.count >= 2 {
                    if next(4) == 0 {
                        events.append(.updateRejected(UpdateRejected(node: n, reason: "control accuracy fell", interactions: buffers[n]!, metrics: ["control_drop": 0.05])))
                    } else {
                        events.append(.adapterUpdated(AdapterUpdated(node: n, method: "reinforce-svf", adapterBlob: try blob("adapter \(interaction)"),
                                                                     optimizerBlob: try blob("optimizer \(interaction)"), loss: 0.5, interactions: buffers[n]!)))
                    }
                    buffers[n] = []
                }
            }
            if next(25) == 0 { events.append(.snapshotTaken(SnapshotTaken(sequence: 0, stateHash: "", blob: ""))) }
        }
        return events
    }
}

@Suite struct ProjectionTests {
    @Test func replayingTheLogReproducesTheLiveHashAfterEveryEvent() throws {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-engine")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try LogWriter.create(at: path + "/store", options: StoreOptions(durability: .none))
        var session = RandomSession(state: 3)
        let events = try session.events(asks: 400) { try writer.putBlob(Array($0.utf8)).hex }
        var live = EngineState()
        var hashes: [Hash256] = []
        for event in events {
            try writer.append([try event.draft()])
            try live.apply(event)
            hashes.append(live.hash)
        }
        try writer.close()
        #expect(live.nodes.count > 10 && live.updates > 5 && live.rejectedUpdates > 0 && live.triggers > 0)
        #expect(Set(hashes).count > events.count / 2, "the hash follows the state")

        var replayed = EngineState()
        var index = 0
        try LogStore(at: path + "/store").forEachEvent { event in
            try replayed.apply(DomainEvent(event))
            #expect(replayed.hash == hashes[index], "after event \(event.sequence)")
            index += 1
        }
        #expect(index == events.count && replayed == live)
    }

    @Test func everyEventRoundTripsThroughTheLogFormat() throws {
        var session = RandomSession(state: 4)
        let events = session.events(asks: 200) { _ in String(repeating: "ab", count: 32) }
        var types = Set<String>()
        for (i, event) in events.enumerated() {
            let draft = try event.draft()
            types.insert(draft.type)
            let back = try DomainEvent(Event(sequence: UInt64(i + 1), timeNanos: 0, type: draft.type, payload: draft.payload, blobs: draft.blobs))
            #expect(back == event)
        }
        #expect(types.count == 9, "\(types.sorted())")
        for event in [DomainEvent.branchCreated(BranchCreated(branch: "b", from: "main", at: 9)), .reverted(Reverted(excluded: [4, 7], reason: "poison"))] {
            let draft = try event.draft()
            #expect(try DomainEvent(Event(sequence: 1, timeNanos: 0, type: draft.type, payload: draft.payload, blobs: [])) == event)
        }
    }

    @Test func theHashIgnoresSequenceNumbersTimesAndBatching() throws {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-engine")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var session = RandomSession(state: 5)
        let a = try LogWriter.create(at: path + "/a", options: StoreOptions(durability: .none))
        let b = try LogWriter.create(at: path + "/b", options: StoreOptions(durability: .none))
        let events = try session.events(asks: 60) { text in
            _ = try b.putBlob(Array(text.utf8))
            return try a.putBlob(Array(text.utf8)).hex
        }
        // Store a: one event per record. Store b: a few unrelated events first (other
        // sequence numbers), then batches of five, at other commit times.
        for event in events { try a.append([try event.draft()]) }
        for event in events where { if case .snapshotTaken = $0 { return true }; return false }(event) {
            try b.append([try event.draft()], timeNanos: 1)
        }
        var i = 0
        while i < events.count {
            let batch = events[i..<min(i + 5, events.count)].filter { if case .snapshotTaken = $0 { return false }; return true }
            if !batch.isEmpty { try b.append(batch.map { try $0.draft() }, timeNanos: Int64(1_000 + i)) }
            i += 5
        }
        try a.close()
        try b.close()
        func replay(_ store: String) throws -> EngineState {
            var state = EngineState()
            try LogStore(at: store).forEachEvent { event in
                let domain = try DomainEvent(event)
                // A store must start with StoreCreated: markers written before it are skipped here.
                if state.created == nil, case .snapshotTaken = domain { return }
                try state.apply(domain)
            }
            return state
        }
        #expect(try replay(path + "/a").hash == replay(path + "/b").hash)
    }

    @Test func brokenHistoriesAreRefusedWithTheReason() throws {
        var state = EngineState()
        #expect {
            try state.apply(.feedbackRecorded(FeedbackRecorded(interaction: 1, reward: 1, source: "user")))
        } throws: { "\($0)".contains("does not start with StoreCreated") }
        try state.apply(.storeCreated(StoreCreated(modelFingerprint: "", model: "", embedder: "", threads: 1, blasCore: "", seed: 0, config: EngineConfig())))
        #expect {
            try state.apply(.feedbackRecorded(FeedbackRecorded(interaction: 42, reward: 1, source: "user")))
        } throws: { ($0 as? EngineError)?.code == .inconsistent && "\($0)".contains("interaction 42, which does not exist") }
        #expect(throws: EngineError.self) { try state.apply(.nodeUpdated(NodeUpdated(node: 3, interaction: 0, centroid: Vector([1]), count: 2))) }

        #expect {
            _ = try DomainEvent(Event(sequence: 5, timeNanos: 0, type: "FeedbackRecorded.v9", payload: [], blobs: []))
        } throws: { ($0 as? EngineError)?.code == .unsupportedEvent && "\($0)".contains("newer GESAL") }
        #expect {
            _ = try DomainEvent(Event(sequence: 6, timeNanos: 0, type: FeedbackRecorded.typeName, payload: Array("{\"reward\":".utf8), blobs: []))
        } throws: { ($0 as? EngineError)?.code == .corruptEvent && "\($0)".contains("event 6") }
    }
}
