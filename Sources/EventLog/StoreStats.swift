/// Sizes and counts of a store, for `gesal-log stats`.
public struct StoreStats: Sendable {
    public var lines = 0
    public var segments = 0
    public var records = 0
    public var events = 0
    /// Bytes of all segments' headers and records (preallocated space not counted).
    public var segmentBytes = 0
    /// Uncompressed payload bytes, and the LZ4 frame bytes that hold them.
    public var payloadBytes = 0
    public var frameBytes = 0
    public var branches = 0
    public var blobs = 0
    public var blobBytes = 0

    /// Payload bytes per LZ4 frame byte (above 1 when compression saves space).
    public var compressionRatio: Double { frameBytes == 0 ? 1 : Double(payloadBytes) / Double(frameBytes) }

    public static func of(_ store: LogStore) throws(LogError) -> StoreStats {
        var stats = StoreStats()
        for id in try store.lineIDs() {
            let line = try store.line(id)
            stats.lines += 1
            for segment in line.segments {
                let bytes = try line.bytes(of: segment)
                let scan = try line.scan(bytes, of: segment, hashes: false)
                stats.segments += 1
                stats.segmentBytes += scan.validEnd  // not the preallocated space after it
                for record in scan.records {
                    stats.records += 1
                    stats.events += Int(record.lastSequence - record.firstSequence + 1)
                    stats.payloadBytes += record.payloadLength
                    stats.frameBytes += record.frameLength
                }
            }
        }
        stats.branches = try store.branches().count
        for blob in try store.blobs.list() {
            stats.blobs += 1
            stats.blobBytes += blob.storedBytes
        }
        return stats
    }
}
