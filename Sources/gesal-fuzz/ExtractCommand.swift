#if !FUZZING
import Adaptation
import ArgumentParser
import CommandLineSupport
import EventLog
import Foundation
import GESAL

struct ExtractCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Write seed inputs for the log and domain targets, taken from a real store.",
        discussion: helpText("""
        Writes OUT/TARGET/seed-* for the targets whose inputs a store holds: domain-events (the
        first events of main, as `TYPE PAYLOAD` lines), binary-payload (the first event of each
        type written in binary, as this build writes it), snapshot (its snapshot blobs), segment
        (a fresh segment holding the first events of main) and adapter-blob (its smallest adapter
        and optimiser blobs, plus two tiny ones). Each seed is at most --max-bytes, so libFuzzer's
        mutations stay fast. The model-file targets' seeds come from
        scripts/make-fuzz-seeds.py instead.

        Example:
          gesal-fuzz extract --store .gesal --out Tests/FuzzCorpusTests/Corpora
        """))

    @Option(help: ArgumentHelp("The store to read.", valueName: "DIR"))
    var store = ".gesal"

    @Option(help: ArgumentHelp("The corpus folder; one folder per target is made in it.", valueName: "DIR"))
    var out: String

    @Option(help: "The largest seed to write, in bytes.")
    var maxBytes = 65_536

    func run() throws {
        try reportingErrors {
            let source = try LogStore(at: store)
            let events = try source.events(branch: "main")
            try write("domain-events", "seed-store-events", eventLines(events))
            for (type, input) in try binaryPayloads(events) { try write("binary-payload", "seed-" + type, input) }
            try write("segment", "seed-store-segment", segment(events))
            for (index, blob) in try blobs(events, of: { if case .snapshotTaken(let e) = $0 { [e.blob] } else { [] } }, in: source).prefix(2).enumerated() {
                try write("snapshot", "seed-store-snapshot-\(index + 1)", blob)
            }
            let adapterBlobs = try blobs(events, of: { event in
                switch event {
                case .adapterUpdated(let e): [e.adapterBlob, e.optimizerBlob]
                case .adapterTrained(let e): e.adapter.map { [$0] } ?? []
                default: []
                }
            }, in: source)
            for (index, blob) in adapterBlobs.sorted(by: { $0.count < $1.count }).prefix(2).enumerated() {
                try write("adapter-blob", "seed-store-adapter-\(index + 1)", blob)
            }
            try write("adapter-blob", "seed-tiny-adapters", AdapterCodec.encode(Self.tinyAdapters))
            try write("adapter-blob", "seed-tiny-optimizer", AdapterCodec.encode(Self.tinyOptimizer))
        }
    }

    /// The first events, as many as fit, one `TYPE PAYLOAD` line each; a binary payload as the
    /// JSON it stands for, which holds no line break (the binary decoder has its own tests).
    private func eventLines(_ events: [Event]) -> [UInt8] {
        var out: [UInt8] = []
        for event in events {
            let payload = BinaryPayload.json(of: event).map { Array($0.utf8) } ?? event.payload
            let line = Array(event.type.utf8) + [UInt8(ascii: " ")] + payload + [UInt8(ascii: "\n")]
            guard out.count + line.count <= maxBytes else { break }
            out += line
        }
        return out
    }

    /// The first event of each type written in binary, drafted as this build writes it (a store
    /// from before binary payloads gives them too), as `TYPE`, a line break, the payload.
    private func binaryPayloads(_ events: [Event]) throws -> [(type: String, input: [UInt8])] {
        var seen: Set<String> = []
        return try events.compactMap { event in
            let draft = try DomainEvent(event).draft()
            guard BinaryPayload.isBinary(draft.payload), seen.insert(draft.type).inserted else { return nil }
            return (draft.type, Array(draft.type.utf8) + [UInt8(ascii: "\n")] + draft.payload)
        }
    }

    /// A segment of a fresh store holding the first events, in records of one to three events.
    private func segment(_ events: [Event]) throws -> [UInt8] {
        let scratch = NSTemporaryDirectory() + "gesal-fuzz-extract-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let writer = try LogWriter.create(at: scratch, options: StoreOptions(durability: .none))
        var taken = 0, bytes = 0
        while taken < events.count {
            let batch = events[taken..<min(events.count, taken + 1 + taken % 3)]
            bytes += batch.reduce(0) { $0 + $1.payload.count + 64 }
            guard bytes <= maxBytes else { break }
            try writer.append(batch.map { EventDraft(type: $0.type, payload: $0.payload) })
            taken += batch.count
        }
        try writer.close()
        let line = scratch + "/lines/000001"
        guard let name = try FileManager.default.contentsOfDirectory(atPath: line).first(where: { $0.hasSuffix(".seg") }),
              let data = FileManager.default.contents(atPath: line + "/" + name) else {
            throw ValidationError("the scratch store in \(scratch) has no segment")
        }
        return Array(data)
    }

    /// The blobs the events name, at most --max-bytes each, without repeats, in event order.
    private func blobs(_ events: [Event], of names: (DomainEvent) -> [String], in source: LogStore) throws -> [[UInt8]] {
        var seen = Set<String>(), found: [[UInt8]] = []
        for event in events {
            guard let fact = try? DomainEvent(event) else { continue }
            for hex in names(fact) where seen.insert(hex).inserted {
                let bytes = try source.blobs.get(hex: hex)
                if bytes.count <= maxBytes { found.append(bytes) }
            }
        }
        return found
    }

    private func write(_ target: String, _ name: String, _ bytes: [UInt8]) throws {
        let folder = out + "/" + target
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: folder + "/" + name, contents: Data(bytes))
        print("\(folder)/\(name): \(bytes.count) bytes")
    }

    private static let tinyAdapters = AdapterSet(
        lora: [LinearSite(layer: 0, kind: .q): LoRA(rank: 1, alpha: 2, inputs: 2, outputs: 3, a: [0.5, -0.25], b: [1, 0, -1])],
        svf: [LinearSite(layer: 1, kind: .down): [0.1, 0.2, 0.3]], composition: .gesal)

    private static var tinyOptimizer: OptimizerState {
        var state = OptimizerState()
        state.step = 3
        state.first = ["blk.0.q.lora_a": [0.01, -0.02]]
        state.second = ["blk.0.q.lora_a": [0.0001, 0.0004]]
        return state
    }
}
#endif
