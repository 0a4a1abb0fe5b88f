import EventLog

/// The benchmark's events: 256-byte JSON-like payloads, different for every sequence number
/// and compressible the way real interaction events are (repeated keys, varying values).
enum BenchEvents {
    static let payloadBytes = 256
    static let batchSize = 100

    static func payload(_ sequence: UInt64) -> [UInt8] {
        var text = "{\"type\":\"InteractionRecorded\",\"seq\":\(sequence),\"node\":\(sequence % 37),"
            + "\"prompt\":\"How many times does the letter r appear in word \(sequence &* 2654435761 % 100_000)?\","
            + "\"response\":\"The answer is \(sequence % 5).\",\"seed\":\(sequence &* 40503 % 65536),\"pad\":\""
        while text.utf8.count < payloadBytes - 2 { text += String(UnicodeScalar(UInt8(97 + Int(sequence + UInt64(text.utf8.count)) % 26))) }
        return Array((text + "\"}").utf8.prefix(payloadBytes))
    }

    static func batch(startingAt first: UInt64, count: Int = batchSize) -> [EventDraft] {
        (0..<UInt64(count)).map { EventDraft(type: "InteractionRecorded", payload: payload(first + $0)) }
    }
}
