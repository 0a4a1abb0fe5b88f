import EventLog
import Foundation

/// A segment file as a crash, a bad disk or a hostile copy could leave it, in an otherwise
/// sound store: what `gesal-log log`, `gesal-log verify` and the next writer do with it.
///
/// The invariant checked beyond "no crash": once a writer has opened the store (recovering
/// whatever it recovers) and appended an event, `verify` finds no problem it did not find before
/// (what the writer leaves is no worse than what it was given; a writer does not check hash
/// links in the middle of a segment at open, `verify` does), and the last event read back is the
/// one appended. (Events may name blobs the template store does not hold; a missing blob is
/// never counted.)
final class SegmentFuzzing: @unchecked Sendable {
    static let shared = SegmentFuzzing()
    /// One input at a time: every input works in the same scratch store, and the corpus tests
    /// run targets in parallel (two of them met there once: one deleted the other's manifest).
    private let lock = NSLock()

    /// A store with one line holding a few events, made once; each input gets a fresh copy.
    private let template: String
    private let store: String
    private let segmentName: String

    private init() {
        template = ScratchFolder.path + "/segment-template"
        store = ScratchFolder.path + "/segment-store"
        do {
            let writer = try LogWriter.create(at: template, options: StoreOptions(durability: .none))
            try writer.append([EventDraft(type: "Seed.v1", payload: Array(#"{"n":1}"#.utf8))])
            try writer.close()
        } catch {
            preconditionFailure("the segment target cannot make its template store: \(error)")
        }
        let line = template + "/lines/000001"
        guard let name = (try? FileManager.default.contentsOfDirectory(atPath: line))?.first(where: { $0.hasSuffix(".seg") }) else {
            preconditionFailure("the template store has no segment in \(line)")
        }
        segmentName = name
    }

    func run(_ bytes: [UInt8]) -> FuzzOutcome {
        lock.withLock { runAlone(bytes) }
    }

    private func runAlone(_ bytes: [UInt8]) -> FuzzOutcome {
        let files = FileManager.default
        freshCopyOfTemplate()
        let line = store + "/lines/000001/"
        for name in (try? files.contentsOfDirectory(atPath: line)) ?? [] where !name.hasSuffix(".json") {
            try? files.removeItem(atPath: line + name)
        }
        guard files.createFile(atPath: line + segmentName, contents: Data(bytes)) else {
            preconditionFailure("cannot write the fuzzed segment in \(line)")
        }

        // Accepted: a reader reads every event. The writer's recovery runs either way.
        var before: Set<String> = []
        let outcome = FuzzOutcome.of {
            let reader = try LogStore(at: store)
            before = Set(StoreVerifier.verify(reader).problems.map { "\($0)" })
            _ = try reader.events()
            _ = try reader.tornTails()
        }

        let appended = EventDraft(type: "Fuzz.v1", payload: Array(#"{"after":"recovery"}"#.utf8))
        let writer: LogWriter
        do {
            writer = try LogWriter(at: store)
            try writer.append([appended])
            try writer.close()
        } catch {
            return .rejected("the writer refused: \(error)")
        }
        do {
            let reader = try LogStore(at: store)
            let report = StoreVerifier.verify(reader)
            let problems = report.problems.filter { $0.code != .blobMissing && !before.contains("\($0)") }
            precondition(problems.isEmpty, "recovery and an append left problems verify did not find before: \(problems)")
            // Damage a reader refused before (a record that passes its CRC but does not
            // decompress) is still there: only a store that read before must read after.
            guard outcome == .accepted else { return outcome }
            let last = try reader.events().last
            precondition(last?.type == appended.type && last?.payload == appended.payload,
                         "the event appended after recovery is not the last one read back")
        } catch {
            preconditionFailure("a store that read before the writer's recovery and append cannot be read after: \(error)")
        }
        return outcome
    }

    /// Replaces the store with a copy of the template. A one-hour campaign once stopped here
    /// after a million inputs, on an error a release build does not print and that the input
    /// did not reproduce; so each failure is written to stderr (it lands in the fuzz log) and
    /// the copy is tried again, and only a failure that persists stops the run.
    private func freshCopyOfTemplate() {
        let files = FileManager.default
        var failures: [String] = []
        for _ in 0..<3 {
            do {
                if files.fileExists(atPath: store) { try files.removeItem(atPath: store) }
                try files.copyItem(atPath: template, toPath: store)
                return
            } catch {
                let failure = "segment harness: cannot replace \(store) by a copy of the template: \(error)\n"
                FileHandle.standardError.write(Data(failure.utf8))
                failures.append(failure)
            }
        }
        preconditionFailure(failures.joined())
    }
}
