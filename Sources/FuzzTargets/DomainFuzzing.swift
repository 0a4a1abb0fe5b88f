import EventLog
import GESAL

/// The domain layer's readers: event payloads as the fold meets them, and snapshot blobs.
enum DomainFuzzing {
    /// One event per line, `TYPE PAYLOAD` (the payload's JSON without newlines, as the log
    /// writes it), folded in order into a fresh state as replay does. Whatever folds must take a
    /// snapshot that reads back as the same state: replay from a snapshot and replay from the
    /// start may not differ.
    static func events(_ bytes: [UInt8]) -> FuzzOutcome {
        var state = EngineState()
        let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)
        let outcome = FuzzOutcome.of {
            for (index, line) in lines.enumerated() {
                let space = line.firstIndex(of: UInt8(ascii: " ")) ?? line.endIndex
                let event = Event(sequence: UInt64(index + 1), timeNanos: Int64(index) * 1_000_000_000,
                                  type: String(decoding: line[..<space], as: UTF8.self),
                                  payload: Array(line[space...].dropFirst()), blobs: [])
                try state.fold(event)
            }
        }
        // A partly folded state is a state too: replay stops at the event that does not fold.
        let snapshot = Snapshot(sequence: UInt64(lines.count), state: state)
        do {
            let read = try Snapshot(decoding: snapshot.encoded(), source: "the fuzzed state's snapshot")
            precondition(read.state.encoded() == state.encoded(), "a folded state's snapshot reads back as a different state")
        } catch {
            preconditionFailure("a folded state's snapshot does not read back: \(error)")
        }
        return outcome
    }

    /// One event as `TYPE`, a line break, then its payload's bytes as the log holds them
    /// (a binary payload holds line breaks of its own, so one event per input). A binary
    /// payload that decodes must encode back to the very same type and bytes: each fact has
    /// one encoding, so a record hash names one fact.
    static func payload(_ bytes: [UInt8]) -> FuzzOutcome {
        let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
        let event = Event(sequence: 1, timeNanos: 0, type: String(decoding: bytes[..<newline], as: UTF8.self),
                          payload: Array(bytes[newline...].dropFirst()), blobs: [])
        var fact: DomainEvent?
        let outcome = FuzzOutcome.of { fact = try DomainEvent(event) }
        guard let fact, BinaryPayload.isBinary(event.payload) else { return outcome }
        do {
            let draft = try fact.draft()
            precondition(draft.type == event.type && draft.payload == event.payload, "a binary payload that decodes encodes back to other bytes")
        } catch {
            preconditionFailure("a binary payload that decodes does not encode: \(error)")
        }
        return outcome
    }

    /// A snapshot blob as `Replay` reads it, then its state encoding on its own (a fuzzed blob
    /// almost never matches its stamped hash; the state decoder behind that check is fuzzed
    /// directly). A state that decodes must encode to bytes that decode to the same bytes again.
    static func snapshot(_ bytes: [UInt8]) -> FuzzOutcome {
        let outcome = FuzzOutcome.of { _ = try Snapshot(decoding: bytes, source: "fuzzed snapshot") }
        let header = Snapshot.headerLength
        guard bytes.count >= header, let state = try? EngineState(encoded: Array(bytes[header...]), where: "fuzzed state") else {
            return outcome
        }
        let encoded = state.encoded()
        do {
            let again = try EngineState(encoded: encoded, where: "re-encoded state")
            precondition(again.encoded() == encoded, "a decoded state re-encodes to bytes that decode differently")
        } catch {
            preconditionFailure("a decoded state's own encoding does not decode: \(error)")
        }
        return outcome
    }
}
