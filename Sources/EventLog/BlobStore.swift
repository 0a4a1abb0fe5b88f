import SystemIO

/// Large values (adapter weights, optimiser state) stored once by SHA-256 and referenced from
/// events by hash. Each blob is one LZ4 frame, so `lz4 -dc` reads it too, and is written with
/// a temporary file and a rename, so a crash leaves the whole blob or none.
public struct BlobStore: Sendable {
    let layout: StoreLayout
    let fs: FileSystem

    /// Stores `bytes` unless a blob with the same hash is already there; returns its hash.
    /// With `durable`, the blob is fsync-ed before this returns, so an event that refers to it
    /// can be acknowledged.
    public func put(_ bytes: [UInt8], durable: Bool) throws(LogError) -> Hash256 {
        let hash = Hash256.of(bytes)
        let path = layout.blob(hash)
        if fs.exists(path) { return hash }
        try io {
            try fs.createDirectory(layout.blobs, durable: durable)
            try fs.createDirectory(layout.blobDirectory(hash), durable: durable)
            try fs.writeAtomically(path, LZ4Frame.compress(bytes), durable: durable)
        }
        return hash
    }

    /// The blob's bytes, checked against its hash.
    public func get(_ hash: Hash256) throws(LogError) -> [UInt8] {
        let path = layout.blob(hash)
        guard fs.exists(path) else { throw LogError(.blobMissing, "blob \(hash.hex) is not in the store", path: path) }
        let frame = try io { try fs.read(path) }
        let bytes = try decode(frame, path: path)
        guard Hash256.of(bytes) == hash else {
            throw LogError(.corrupt, "blob content does not match its hash \(hash.hex)", path: path)
        }
        return bytes
    }

    /// The blob named by `hex`, as events write blob ids; an id that is not 64 hex digits is
    /// refused by name.
    public func get(hex: String) throws(LogError) -> [UInt8] {
        guard let hash = Hash256(hex: hex) else { throw LogError(.invalidArgument, "'\(hex)' is not a blob id (64 hex digits)") }
        return try get(hash)
    }

    public func contains(_ hash: Hash256) -> Bool {
        fs.exists(layout.blob(hash))
    }

    /// Every stored blob's hash, and the bytes its file takes.
    public func list() throws(LogError) -> [(hash: Hash256, storedBytes: Int)] {
        guard fs.isDirectory(layout.blobs) else { return [] }
        return try io {
            var found: [(Hash256, Int)] = []
            for directory in try fs.list(layout.blobs) {
                for name in try fs.list(layout.blobs + "/" + directory) where name.hasSuffix(".lz4") {
                    guard let hash = Hash256(hex: name.dropLast(4)) else { continue }
                    let file = try fs.open(layout.blob(hash), .readOnly)
                    defer { try? file.close() }
                    found.append((hash, Int(try file.size())))
                }
            }
            return found
        }
    }

    /// Decodes a blob file: one LZ4 frame whose header carries the content size.
    private func decode(_ frame: [UInt8], path: String) throws(LogError) -> [UInt8] {
        // The frame header: magic (4), FLG (1), BD (1), then the 8-byte content size when FLG bit 3 is set.
        guard frame.count >= 15, frame[4] & 0x08 != 0 else {
            throw LogError(.corrupt, "blob is not an LZ4 frame with a content size", path: path)
        }
        let size = frame.withUnsafeBytes { $0.loadLE(6, as: UInt64.self) }
        guard size <= UInt64(RecordFormat.maxPayloadBytes) else {
            throw LogError(.corrupt, "blob claims \(size) bytes", path: path)
        }
        let result = frame.withUnsafeBytes { raw in
            Result { () throws(LZ4FrameError) in try LZ4Frame.decompress(raw, expectedSize: Int(size)) }
        }
        switch result {
        case .success(let bytes): return bytes
        case .failure(let error): throw LogError(.corrupt, error.description, path: path)
        }
    }
}
