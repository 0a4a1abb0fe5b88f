/// One record as every backend stores it: the bytes of docs/log-format.md's record (header,
/// CRC-32C, the previous record's SHA-256, the LZ4 frame), whole. A folder keeps records back
/// to back in segments; PostgreSQL keeps one per row. The bytes are the same, so the hash
/// chain, a signature over a record hash, and every state hash carry over between them.
public struct StoredRecord: Sendable, Equatable {
    public let bytes: [UInt8]
    public let firstSequence: UInt64
    public let lastSequence: UInt64
    public let timeNanos: Int64
    /// The SHA-256 of the record before it in its branch's history (zero for the first).
    public let previousHash: Hash256
    /// The SHA-256 of `bytes`: what the next record chains to.
    public let hash: Hash256
    /// The header as parsed once, for reading the events without parsing again.
    private let header: RecordHeader

    /// Encodes a batch of events as one record.
    public init(encoding events: [EventDraft], firstSequence: UInt64, timeNanos: Int64, previousHash: Hash256) {
        let bytes = RecordCodec.encode(events, firstSequence: firstSequence, timeNanos: timeNanos, previousHash: previousHash)
        guard case .success(let header) = bytes.withUnsafeBytes({ RecordCodec.parse($0, at: 0) }) else {
            preconditionFailure("a record just encoded does not parse")
        }
        self.init(trusted: bytes, header: header)
    }

    /// Checks that `bytes` are exactly one whole record (framing, CRC, structure) and reads
    /// its header; `source` names where the bytes came from in the error.
    public init(validating bytes: [UInt8], source: String) throws(LogError) {
        let parsed = bytes.withUnsafeBytes { RecordCodec.parse($0, at: 0) }
        switch parsed {
        case .failure(.incomplete(let needed)):
            throw LogError(.corrupt, "record is cut short: it needs \(needed) bytes, \(bytes.count) are stored", path: source)
        case .failure(.invalid(let reason)):
            throw LogError(.corrupt, reason, path: source)
        case .success(let header):
            guard header.totalLength == bytes.count else {
                throw LogError(.corrupt, "\(bytes.count - header.totalLength) bytes follow the record", path: source)
            }
            self.init(trusted: bytes, header: header)
        }
    }

    private init(trusted bytes: [UInt8], header: RecordHeader) {
        self.bytes = bytes
        self.header = header
        firstSequence = header.firstSequence
        lastSequence = header.lastSequence
        timeNanos = header.timeNanos
        previousHash = header.previousHash
        hash = Hash256.of(bytes)
    }

    public static func == (a: StoredRecord, b: StoredRecord) -> Bool { a.bytes == b.bytes }

    /// The record's events, decompressed; `source` names the record in an error.
    public func events(source: String) throws(LogError) -> [Event] {
        do {
            return try bytes.withUnsafeBytes { bytes in try RecordCodec.events(of: header, in: bytes) }
        } catch {
            throw LogError(.corrupt, "record's events do not decompress: \(error)", path: source)
        }
    }
}
