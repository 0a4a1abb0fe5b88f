import Foundation

/// When an append is acknowledged relative to `fdatasync`.
public enum DurabilityPolicy: Sendable, Equatable, Codable, CustomStringConvertible {
    /// `fdatasync` before acknowledging every batch: an acknowledged event survives a crash.
    case always
    /// `fdatasync` at most every `milliseconds`, from a background timer: a crash loses at most
    /// that much acknowledged history.
    case interval(milliseconds: Int)
    /// Never `fdatasync`; the kernel writes back when it likes. Benchmarks and scratch stores.
    case none

    /// Parses `always`, `none` or `interval:MS` (for example `interval:50`).
    public init?(parsing text: String) {
        switch text {
        case "always": self = .always
        case "none": self = .none
        default:
            guard text.hasPrefix("interval:"), let ms = Int(text.dropFirst("interval:".count)), ms > 0 else { return nil }
            self = .interval(milliseconds: ms)
        }
    }

    public var description: String {
        switch self {
        case .always: "always"
        case .none: "none"
        case .interval(let ms): "interval:\(ms)"
        }
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let policy = DurabilityPolicy(parsing: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown durability policy '\(text)'"))
        }
        self = policy
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Settings fixed when a store is created.
public struct StoreOptions: Sendable, Equatable {
    public var durability: DurabilityPolicy
    /// A segment is sealed and a new one started once it reaches this size.
    public var segmentBytes: Int

    public init(durability: DurabilityPolicy = .always, segmentBytes: Int = 64 << 20) {
        self.durability = durability
        self.segmentBytes = segmentBytes
    }

    /// How far ahead a durable writer zeroes and syncs segment space. Overwriting blocks that
    /// are already allocated lets `fdatasync` skip the metadata journal commit an append needs
    /// (measured in docs/log-format.md); with policy `none` nothing is synced, so nothing is
    /// preallocated.
    var preallocationBytes: Int {
        durability == .none ? 0 : min(4 << 20, segmentBytes)
    }
}

/// `manifest.json`: what this store is and how it was configured.
struct Manifest: Codable, Sendable, Equatable {
    static let fileName = "manifest.json"
    static let formatName = "gesal-log"
    /// The newest store layout this build reads and writes.
    static let currentVersion = 1

    var format: String
    var version: Int
    var durability: DurabilityPolicy
    var segmentBytes: Int

    init(options: StoreOptions) {
        format = Self.formatName
        version = Self.currentVersion
        durability = options.durability
        segmentBytes = options.segmentBytes
    }

    var options: StoreOptions { StoreOptions(durability: durability, segmentBytes: segmentBytes) }
}

/// JSON the way the store writes it: sorted keys, so the same state gives the same bytes.
enum StoreJSON {
    static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return Array(try! encoder.encode(value)) + [UInt8(ascii: "\n")]
    }

    static func encodeLine<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try! encoder.encode(value)) + [UInt8(ascii: "\n")]
    }

    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], path: String) throws(LogError) -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch {
            throw LogError(.corrupt, "cannot read \(T.self): \(error)", path: path)
        }
    }
}
