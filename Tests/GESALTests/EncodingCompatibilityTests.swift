import EventLog
import Foundation
import SystemIO
import Testing
@testable import GESAL

/// Stores written before binary payloads still replay to the state they had.
/// `snapshots/json-events-store` was written by the build before them (64a43aa): four
/// `gesal ask`s and two `gesal feedback ... +` on SmolLM2, every payload JSON. Its state hash
/// is what that build's `gesal-log replay` printed; the adapter blobs are left out (replay does
/// not read them), so it is a fixture of the events only.
@Suite struct EncodingCompatibilityTests {
    static let fixture = SnapshotReplayTests.root + "/snapshots/json-events-store"
    static let hashByTheBuildThatWroteIt = "87df581c6c2ea30835c302349c861a8d5a17742a967d7513ea055f6011623083"

    /// A copy of the fixture, so that nothing is written into the repository.
    static func copy() throws -> (store: LogStore, folder: String) {
        let folder = try FileSystem().makeTemporaryDirectory(prefix: "gesal-json-store")
        try FileManager.default.copyItem(atPath: fixture, toPath: folder + "/store")
        return (try LogStore(at: folder + "/store"), folder)
    }

    @Test func theFixtureHoldsJSONPayloadsOfEveryEncodedKind() throws {
        let (store, folder) = try Self.copy()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let events = try store.events(branch: "main")
        #expect(events.allSatisfy { $0.payload.first == UInt8(ascii: "{") })
        let kinds = Set(events.map { $0.type.split(separator: ".")[0] })
        #expect(kinds.isSuperset(of: ["InteractionRecorded", "NodeCreated", "NodeUpdated", "FeedbackRecorded", "TriggerFired", "AdapterUpdated"]))
    }

    @Test func aStoreOfJSONPayloadsReplaysToTheStateItsBuildComputed() throws {
        let (store, folder) = try Self.copy()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let replay = try Replay.run(store)
        #expect(replay.state.hash.hex == Self.hashByTheBuildThatWroteIt)
        #expect(replay.state.interactions.count == 4 && replay.state.nodes.count == 3 && replay.state.updates == 2)
    }

    /// The same facts drafted again today are binary, read back, and fold to the same state
    /// (in memory: the fixture has no blobs to append them with).
    @Test func itsFactsDraftedInBinaryFoldToTheSameState() throws {
        let (store, folder) = try Self.copy()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var state = EngineState()
        var binary = 0
        for event in try store.events(branch: "main") {
            let draft = try DomainEvent(event).draft()
            if BinaryPayload.isBinary(draft.payload) { binary += 1 }
            try state.fold(Event(sequence: event.sequence, timeNanos: event.timeNanos, type: draft.type, payload: draft.payload, blobs: draft.blobs))
        }
        #expect(binary == 14, "all but StoreCreated")
        #expect(state.hash.hex == Self.hashByTheBuildThatWroteIt)
    }

    /// A node's audit passes other nodes' binary events over unread; read in full from JSON
    /// payloads (every event decoded, the way it was before), it must say the same, node by node.
    @Test func everyNodesAuditReadsTheSameFromEitherEncoding() throws {
        let folder = try FileSystem().makeTemporaryDirectory(prefix: "gesal-audit-encodings")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let binary = try LogWriter.create(at: folder + "/binary", options: StoreOptions(durability: .none))
        let json = try LogWriter.create(at: folder + "/json", options: StoreOptions(durability: .none))
        var session = RandomSession(state: 5)
        var state = EngineState()
        for event in try session.events(asks: 120, blob: { text in
            _ = try json.putBlob(Array(text.utf8))
            return try binary.putBlob(Array(text.utf8)).hex
        }) {
            let draft = try event.draft()
            try binary.append([draft])
            let asJSON = BinaryPayload.json(of: Event(sequence: 0, timeNanos: 0, type: draft.type, payload: draft.payload, blobs: draft.blobs))
            try json.append([EventDraft(type: draft.type, payload: asJSON.map { Array($0.utf8) } ?? draft.payload, blobs: draft.blobs)])
            try state.apply(event)
        }
        #expect(state.nodes.count > 3)
        func texts(_ trail: [Audit.Entry]) -> [String] { trail.map { "\($0.sequence) \($0.type) \($0.text)" } }
        for node in state.nodes.keys.sorted() {
            let fromBinary = try Audit.trace(.node(node), in: binary.store), fromJSON = try Audit.trace(.node(node), in: json.store)
            #expect(!fromBinary.isEmpty && texts(fromBinary) == texts(fromJSON), "node \(node)")
        }
        try binary.close()
        try json.close()
    }
}
