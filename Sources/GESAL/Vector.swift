import Foundation

/// A float vector that travels in event payloads exactly: the Float32 bit patterns,
/// little-endian, base64 in JSON. (Decimal text would round.)
public struct Vector: Sendable, Equatable, Codable {
    public var values: [Float]

    public init(_ values: [Float]) {
        self.values = values
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let data = Data(base64Encoded: text), data.count % 4 == 0 else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a base64 Float32 vector"))
        }
        values = data.withUnsafeBytes { raw in (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) } }
    }

    public func encode(to encoder: Encoder) throws {
        var bytes = Data(capacity: values.count * 4)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        var container = encoder.singleValueContainer()
        try container.encode(bytes.base64EncodedString())
    }
}
