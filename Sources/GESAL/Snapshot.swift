import EventLog

/// A snapshot of the projection: the state's canonical encoding (`EngineState.encoded()`),
/// stamped with the sequence it describes and its state hash. Stored as a blob (one LZ4 frame,
/// written to a temporary file, fsync-ed, renamed) and announced by a `SnapshotTaken` event.
///
/// Layout, little-endian: "GESALSNP", u16 format version, u64 sequence, 32-byte state hash,
/// then the encoding. Every format this build ever wrote stays readable: `snapshots/` holds a
/// golden file per version, and a test reads each.
public struct Snapshot: Sendable, Equatable {
    static let magic = Array("GESALSNP".utf8)
    public static let formatVersion: UInt16 = 1
    /// Magic, format version, sequence and state hash: where the state's encoding starts.
    public static let headerLength = magic.count + 2 + 8 + 32

    public var sequence: UInt64
    public var state: EngineState

    public init(sequence: UInt64, state: EngineState) {
        self.sequence = sequence
        self.state = state
    }

    public func encoded() -> [UInt8] {
        var out = Self.magic
        withUnsafeBytes(of: Self.formatVersion.littleEndian) { out += $0 }
        withUnsafeBytes(of: sequence.littleEndian) { out += $0 }
        state.hash.append(to: &out)
        out += state.encoded()
        return out
    }

    /// Reads a snapshot and checks its state against the stamped hash, and the stamp against
    /// `announced` (the hash its `SnapshotTaken` recorded) when given: the state is hashed once
    /// (replay hashed it a second time to compare with the announcement). `source` names it in
    /// errors.
    public init(decoding bytes: [UInt8], source: String, announced: String? = nil) throws(EngineError) {
        let header = Self.headerLength
        func fail(_ reason: String) -> EngineError { EngineError(.corruptSnapshot, "\(source): \(reason)") }
        guard bytes.count >= header, Array(bytes.prefix(Self.magic.count)) == Self.magic else {
            throw fail("not a GESAL snapshot (no GESALSNP header)")
        }
        let version = bytes.withUnsafeBytes { UInt16(littleEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt16.self)) }
        guard version <= Self.formatVersion else {
            throw fail("snapshot format \(version) is newer than this build reads (\(Self.formatVersion)); upgrade GESAL")
        }
        sequence = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: 10, as: UInt64.self)) }
        let stamped = bytes.withUnsafeBytes { Hash256(bytes: $0, at: 18) }
        if let announced, announced != stamped.hex { throw fail("it is stamped \(stamped.hex), not the state hash \(announced) announced") }
        state = try EngineState(encoded: Array(bytes[header...]), where: source)
        guard state.hash == stamped else { throw fail("the state does not match its stamped hash \(stamped.hex)") }
    }
}

extension Snapshot {
    /// Stores the snapshot of `state` at `sequence` as a blob and appends its `SnapshotTaken`
    /// to `branch`. Only valid when `state` is the branch's state at its head.
    @discardableResult
    public static func write(_ state: EngineState, at sequence: UInt64, to writer: any HistoryWriter, branch: String) throws -> SnapshotTaken {
        let blob = try writer.putBlob(Snapshot(sequence: sequence, state: state).encoded())
        let taken = SnapshotTaken(sequence: sequence, stateHash: state.hash.hex, blob: blob.hex)
        try writer.append([try DomainEvent.snapshotTaken(taken).draft()], to: branch, expectedHead: sequence)
        return taken
    }
}
