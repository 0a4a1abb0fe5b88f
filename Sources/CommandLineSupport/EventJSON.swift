import EventLog
import GESAL
import Foundation

/// One line of `gesal-log export` / `log --json` / `import`: an event, or a blob the events
/// after it refer to. Payloads that are UTF-8 text travel as `payload`, others as
/// `payload_base64`, so a round trip is byte-exact either way. A binary payload
/// (`BinaryPayload`) also carries the JSON it stands for as `payload_json`, for people and
/// `jq`; import reads only the bytes.
public struct EventLine: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case event, blob }

    public var kind: Kind
    public var seq: UInt64?
    public var timeNanos: Int64?
    public var time: String?
    public var type: String?
    public var payload: String?
    public var payloadBase64: String?
    public var payloadJSON: String?
    public var blobs: [String]?
    /// For `kind: blob`: its hash and bytes.
    public var id: String?
    public var dataBase64: String?

    enum CodingKeys: String, CodingKey {
        case kind, seq, type, payload, blobs, id, time
        case timeNanos = "time_ns"
        case payloadBase64 = "payload_base64"
        case payloadJSON = "payload_json"
        case dataBase64 = "data_base64"
    }

    public init(_ event: Event) {
        kind = .event
        seq = event.sequence
        timeNanos = event.timeNanos
        time = isoTime(nanos: event.timeNanos)
        type = event.type
        if !BinaryPayload.isBinary(event.payload), let text = String(validating: event.payload, as: UTF8.self) {
            payload = text
        } else {
            payloadBase64 = Data(event.payload).base64EncodedString()
            payloadJSON = BinaryPayload.json(of: event)
        }
        blobs = event.blobs.isEmpty ? nil : event.blobs.map(\.hex)
    }

    public init(blob hash: Hash256, bytes: [UInt8]) {
        kind = .blob
        id = hash.hex
        dataBase64 = Data(bytes).base64EncodedString()
    }

    /// The event this line describes, checking every field; `line` numbers the error.
    public func draft(line: Int) throws -> EventDraft {
        guard let type else { throw ImportError(line: line, reason: "an event needs a \"type\"") }
        let bytes: [UInt8]
        if let payload {
            bytes = Array(payload.utf8)
        } else if let payloadBase64 {
            guard let data = Data(base64Encoded: payloadBase64) else { throw ImportError(line: line, reason: "payload_base64 is not base64") }
            bytes = Array(data)
        } else {
            throw ImportError(line: line, reason: "an event needs \"payload\" or \"payload_base64\"")
        }
        let hashes = try (blobs ?? []).map { hex in
            guard let hash = Hash256(hex: hex) else { throw ImportError(line: line, reason: "blob id '\(hex)' is not 64 hex digits") }
            return hash
        }
        return EventDraft(type: type, payload: bytes, blobs: hashes)
    }

    public func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }
}

/// A line of an import file that is not a valid event or blob.
public struct ImportError: Error, CustomStringConvertible {
    public var line: Int
    public var reason: String

    public init(line: Int, reason: String) {
        self.line = line
        self.reason = reason
    }

    public var description: String { "line \(line): \(reason)" }
}
