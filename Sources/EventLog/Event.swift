/// An event to append: a type tag, opaque payload bytes, and the blobs it refers to.
///
/// The log knows nothing about what payloads mean; the domain layer encodes them. The type tag
/// rides uncompressed in the record header so tools can filter and show events without
/// decoding payloads.
public struct EventDraft: Sendable, Equatable {
    public var type: String
    public var payload: [UInt8]
    /// Content hashes of blobs (see `BlobStore`) this event refers to; they must be stored first.
    public var blobs: [Hash256]

    public init(type: String, payload: [UInt8], blobs: [Hash256] = []) {
        self.type = type
        self.payload = payload
        self.blobs = blobs
    }
}

/// An event as read back from the log.
public struct Event: Sendable, Equatable {
    /// Position in its branch's history, from 1.
    public var sequence: UInt64
    /// When the record holding it was committed, in nanoseconds since the Unix epoch.
    public var timeNanos: Int64
    public var type: String
    public var payload: [UInt8]
    public var blobs: [Hash256]

    public init(sequence: UInt64, timeNanos: Int64, type: String, payload: [UInt8], blobs: [Hash256]) {
        self.sequence = sequence
        self.timeNanos = timeNanos
        self.type = type
        self.payload = payload
        self.blobs = blobs
    }

    public var draft: EventDraft { EventDraft(type: type, payload: payload, blobs: blobs) }
}
