import Foundation
@testable import EventLog
import SystemIO

/// A fresh folder under /tmp, removed when the value is dropped.
final class TemporaryDirectory {
    let path: String

    init() {
        path = try! FileSystem().makeTemporaryDirectory(prefix: "gesal-test")
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    func sub(_ name: String) -> String { path + "/" + name }
}

/// SplitMix64: a tiny seeded generator, so every random test is reproducible from its seed.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A random batch: 1 to `maxCount` events with varied types and payloads (empty, text, binary).
func randomBatch(_ rng: inout SeededRandom, maxCount: Int = 8, maxPayload: Int = 300) -> [EventDraft] {
    (0..<Int.random(in: 1...maxCount, using: &rng)).map { _ in
        let length = Int.random(in: 0...maxPayload, using: &rng)
        let payload: [UInt8] = Bool.random(using: &rng)
            ? Array(String(repeating: "event text ", count: length / 11 + 1).utf8.prefix(length))
            : (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
        return EventDraft(type: ["InteractionRecorded", "FeedbackRecorded", "NodeCreated", "x"].randomElement(using: &rng)!, payload: payload)
    }
}

/// The bytes of a file.
func fileBytes(_ path: String) -> [UInt8] {
    Array(FileManager.default.contents(atPath: path) ?? Data())
}

func writeFile(_ path: String, _ bytes: [UInt8]) {
    FileManager.default.createFile(atPath: path, contents: Data(bytes))
}

/// The single segment of line 1 of a store.
func firstSegment(_ store: String) -> String {
    store + "/lines/000001/" + SegmentFormat.fileName(firstSequence: 1)
}

/// Copies a folder tree (for running one damaged copy per case).
func copyTree(_ from: String, _ to: String) {
    try? FileManager.default.removeItem(atPath: to)
    try! FileManager.default.copyItem(atPath: from, toPath: to)
}

/// Whether a segment file ends exactly after its last whole record (no padding, no garbage).
func endsAtLastRecord(_ path: String) -> Bool {
    let bytes = fileBytes(path)
    guard case .success(let scan) = bytes.withUnsafeBytes({ SegmentScan.scan($0, hashes: false) }) else { return false }
    return scan.tail == .clean && scan.validEnd == bytes.count
}
