import EventLog

/// SplitMix64: a tiny seeded generator, so every random test is reproducible from its seed.
public struct SeededRandom: RandomNumberGenerator {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A random batch: 1 to `maxCount` events with varied types and payloads (empty, text, binary).
public func randomBatch(_ rng: inout SeededRandom, maxCount: Int = 8, maxPayload: Int = 300) -> [EventDraft] {
    (0..<Int.random(in: 1...maxCount, using: &rng)).map { _ in
        let length = Int.random(in: 0...maxPayload, using: &rng)
        let payload: [UInt8] = Bool.random(using: &rng)
            ? Array(String(repeating: "event text ", count: length / 11 + 1).utf8.prefix(length))
            : (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
        return EventDraft(type: ["InteractionRecorded", "FeedbackRecorded", "NodeCreated", "x"].randomElement(using: &rng)!, payload: payload)
    }
}
