import Foundation
import Testing
import EventLog
@testable import GESAL
import SystemIO

/// Snapshots (format, fixtures, tampering), replay from a snapshot, routing and audit.
@Suite struct SnapshotReplayTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// The state of a seeded random session, folded in memory (blobs named by their text's hash).
    static func sessionState(seed: UInt64, asks: Int) throws -> EngineState {
        var session = RandomSession(state: seed)
        var state = EngineState()
        for event in session.events(asks: asks, blob: { Hash256.of(Array($0.utf8)).hex }) { try state.apply(event) }
        return state
    }

    /// Appends a seeded random session to `writer` (its blobs stored) and returns its state.
    static func writeSession(seed: UInt64, asks: Int, to writer: LogWriter) throws -> EngineState {
        var session = RandomSession(state: seed)
        var live = EngineState()
        for event in try session.events(asks: asks, blob: { try writer.putBlob(Array($0.utf8)).hex }) {
            if case .snapshotTaken = event { continue }  // the session announces snapshots that were never written
            try writer.append([try event.draft()])
            try live.apply(event)
        }
        return live
    }

    @Test func aSnapshotRoundTripsAndRefusesTamperingAndNewerFormats() throws {
        let state = try Self.sessionState(seed: 11, asks: 120)
        let bytes = Snapshot(sequence: 77, state: state).encoded()
        let back = try Snapshot(decoding: bytes, source: "test")
        #expect(back.sequence == 77 && back.state == state && back.state.hash == state.hash)

        var flipped = bytes
        flipped[flipped.count - 20] ^= 0x40
        #expect { try Snapshot(decoding: flipped, source: "flipped") } throws: { ($0 as? EngineError)?.code == .corruptSnapshot }
        var newer = bytes
        newer[8] = 99
        #expect { try Snapshot(decoding: newer, source: "newer") } throws: { "\($0)".contains("newer than this build reads") }
        #expect { try Snapshot(decoding: Array(bytes.prefix(60)), source: "short") } throws: { "\($0)".contains("short") }
    }

    /// snapshots/v1.snap was written by format 1 from this session; it must stay readable, and
    /// today's encoder must still produce it byte for byte (or the format changed silently).
    @Test func theGoldenV1SnapshotStaysReadable() throws {
        let path = Self.root + "/snapshots/v1.snap"
        let state = try Self.sessionState(seed: 9, asks: 30)
        let encoded = Snapshot(sequence: 123, state: state).encoded()
        if ProcessInfo.processInfo.environment["GESAL_WRITE_FIXTURES"] == "1" {
            try Data(encoded).write(to: URL(fileURLWithPath: path))
        }
        let golden = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let snapshot = try Snapshot(decoding: golden, source: path)
        #expect(snapshot.sequence == 123 && snapshot.state == state)
        #expect(golden == encoded, "format 1 encodes differently now: bump Snapshot.formatVersion and keep v1 readable")
    }

    /// A snapshot blob that is there but damaged (one byte of its file flipped): replay names
    /// it, falls back to the events, and reaches the same state.
    @Test func aDamagedSnapshotBlobIsSkippedByNameAndReplayStillAgrees() throws {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-snapshot-damaged")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try LogWriter.create(at: path + "/store", options: StoreOptions(durability: .none))
        let live = try Self.writeSession(seed: 13, asks: 40, to: writer)
        let taken = try Snapshot.write(live, at: try writer.store.head(of: "main"), to: writer, branch: "main")
        let file = path + "/store/blobs/" + taken.blob.prefix(2) + "/" + taken.blob + ".lz4"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
        bytes[bytes.count / 2] ^= 0x10
        try Data(bytes).write(to: URL(fileURLWithPath: file))

        let replay = try Replay.run(writer.store)
        #expect(replay.snapshot == nil)
        #expect(replay.skippedSnapshots.count == 1 && replay.skippedSnapshots[0].contains("snapshot at sequence \(taken.sequence)"), "\(replay.skippedSnapshots)")
        #expect(replay.skippedSnapshots.first?.contains(taken.blob + ".lz4") == true, "names the damaged file")
        #expect(replay.state.hash == live.hash)
        try writer.close()
    }

    /// An announcement whose state hash is not its blob's stamp (a blob of another state, the
    /// announcement edited): replay skips the snapshot by name and folds the events instead.
    @Test func aSnapshotAnnouncedWithAnotherStateHashIsSkipped() throws {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-snapshot-announced")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try LogWriter.create(at: path + "/store", options: StoreOptions(durability: .none))
        let live = try Self.writeSession(seed: 14, asks: 30, to: writer)
        let head = try writer.store.head(of: "main")
        let blob = try writer.putBlob(Snapshot(sequence: head, state: live).encoded())
        let other = try Self.sessionState(seed: 15, asks: 5).hash.hex
        try writer.append([try DomainEvent.snapshotTaken(SnapshotTaken(sequence: head, stateHash: other, blob: blob.hex)).draft()])

        let replay = try Replay.run(writer.store)
        #expect(replay.snapshot == nil && replay.state.hash == live.hash)
        #expect(replay.skippedSnapshots.count == 1 && replay.skippedSnapshots[0].contains("not the state hash \(other) announced"), "\(replay.skippedSnapshots)")
        try writer.close()
    }

    @Test func replayFromASnapshotEqualsReplayFromZeroAndSurvivesALostSnapshot() throws {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-snapshot")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try LogWriter.create(at: path + "/store", options: StoreOptions(durability: .none))
        var session = RandomSession(state: 12)
        let events = try session.events(asks: 300) { try writer.putBlob(Array($0.utf8)).hex }
            .filter { if case .snapshotTaken = $0 { false } else { true } }
        var live = EngineState()
        var snapshots: [SnapshotTaken] = []
        for (i, event) in events.enumerated() {
            try writer.append([try event.draft()])
            try live.apply(event)
            if i == 400 || i == 700 { snapshots.append(try Snapshot.write(live, at: try writer.store.head(of: "main"), to: writer, branch: "main")) }
        }
        let store = writer.store
        // The announcement names its blob, so verify and export see it like an adapter's.
        let announced = try store.events().filter { $0.type == SnapshotTaken.typeName }
        #expect(announced.map(\.blobs) == snapshots.map { [Hash256(hex: $0.blob)!] })
        let fromZero = try Replay.run(store, useSnapshots: false)
        let fromSnapshot = try Replay.run(store)
        #expect(fromZero.state.hash == live.hash && fromSnapshot.state.hash == live.hash)
        #expect(fromSnapshot.snapshot == snapshots[1] && fromSnapshot.eventsApplied < fromZero.eventsApplied / 2)

        // Through a point between the snapshots: the first snapshot serves.
        let middle = try Replay.run(store, through: snapshots[1].sequence - 1)
        #expect(middle.snapshot == snapshots[0])
        #expect(middle.state.hash == (try Replay.run(store, through: snapshots[1].sequence - 1, useSnapshots: false)).state.hash)

        // A lost snapshot blob: replay says so and uses the one before.
        try FileManager.default.removeItem(atPath: path + "/store/blobs/" + snapshots[1].blob.prefix(2) + "/" + snapshots[1].blob + ".lz4")
        let fallback = try Replay.run(store)
        #expect(fallback.snapshot == snapshots[0] && fallback.skippedSnapshots.count == 1 && fallback.state.hash == live.hash)

        #expect { try Replay.run(store, through: 10_000) } throws: { "\($0)".contains("past the head") }
        try writer.close()
    }

    @Test func routingJoinsTheNearestNodeOrStartsOneBelowTheThreshold() throws {
        var state = EngineState()
        try state.apply(.storeCreated(StoreCreated(modelFingerprint: "", model: "", embedder: "", threads: 1, blasCore: "", seed: 0, config: EngineConfig())))
        #expect(Routing.route([1, 0], in: state, threshold: 0.7) == .new(node: 1, nearest: nil, similarity: nil))
        try state.apply(.nodeCreated(NodeCreated(node: 1, interaction: 1, embedding: Vector([1, 0]), nearest: nil, similarity: nil)))
        #expect(Routing.route([0, 1], in: state, threshold: 0.7) == .new(node: 2, nearest: 1, similarity: 0))
        guard case .existing(let node, let similarity, let centroid, let count) = Routing.route([1, 1], in: state, threshold: 0.7) else {
            Issue.record("cosine 0.707 is above 0.7: joins node 1")
            return
        }
        #expect(node == 1 && abs(similarity - 0.7071) < 1e-3 && centroid == [1, 0.5] && count == 2)
    }

    @Test func auditNamesTheCreatorEveryFeedbackAndEveryUpdateOfANode() throws {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-snapshot")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try LogWriter.create(at: path + "/store", options: StoreOptions(durability: .none))
        var session = RandomSession(state: 3)
        let events = try session.events(asks: 200) { try writer.putBlob(Array($0.utf8)).hex }
        var state = EngineState()
        for event in events {
            try writer.append([try event.draft()])
            try state.apply(event)
        }
        let node = state.nodes.values.max { $0.adapterVersion < $1.adapterVersion }!
        let trail = try Audit.trace(.node(node.id), in: writer.store)
        #expect(trail.first?.type == NodeCreated.typeName && trail.first!.text.contains("created by interaction \(node.origin) \"prompt \(node.origin)"))
        #expect(trail.filter { $0.type == AdapterUpdated.typeName }.count == node.adapterVersion)
        let feedbackOnNode = events.filter { if case .feedbackRecorded(let f) = $0 { state.interactions[f.interaction]!.node == node.id } else { false } }
        #expect(trail.filter { $0.type == FeedbackRecorded.typeName }.count == feedbackOnNode.count)

        let adapter = node.adapterBlob!
        let adapterTrail = try Audit.trace(.adapter(String(adapter.prefix(10))), in: writer.store)
        #expect(adapterTrail.last?.type == AdapterUpdated.typeName && adapterTrail.last!.text.contains(adapter.prefix(12)))
        #expect { try Audit.trace(.node(9_999), in: writer.store) } throws: { "\($0)".contains("no node 9999") }
        #expect { try Audit.trace(.interaction(-1), in: writer.store) } throws: { "\($0)".contains("no interaction -1") }
        try writer.close()
    }
}
