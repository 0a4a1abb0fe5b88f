import Foundation
import Testing

/// `gesal-log export model` end to end: a store that learned, its node merged and written as
/// GGUF, read back by llama.cpp's own Python reader (gguf-py, an independent oracle of the
/// format), and answered from by `gesal generate --model`.
@Suite(.serialized) struct ExportCLITests {
    static let root = EngineCLITests.root

    static let ggufReady: Bool = ProcessInfo.processInfo.environment["GESAL_REQUIRE_PYTHON_ORACLES"] == "1"
        || ((try? CommandRunner.run("/usr/bin/env", ["python3", "-c", "import gguf"]).status) == 0)

    /// A store whose node 1 learned from a corrected feedback.
    static func taughtStore(_ scratch: ScratchFolder) throws -> [String] {
        let store = ["--store", scratch.path + "/s"]
        #expect(try CommandRunner.run("gesal", ["init", "--max-tokens", "8"] + store, cwd: root).status == 0)
        #expect(try CommandRunner.run("gesal", ["ask", "What is 12 + 7? Answer with a number."] + store, cwd: root).status == 0)
        #expect(try CommandRunner.run("gesal", ["feedback", "1", "-", "--correct", "19"] + store, cwd: root).status == 0)
        return store
    }

    @Test(.enabled(if: ggufReady, "the gguf Python package is missing (./scripts/test.sh installs it)"))
    func aMergedQ8_0ModelIsReadByGGUFPyAndAnswers() throws {
        let scratch = ScratchFolder()
        let store = try Self.taughtStore(scratch)
        let file = scratch.path + "/merged.gguf"
        let export = try CommandRunner.run("gesal-log", ["export", "model", "--type", "q8_0", "--output", file] + store, cwd: Self.root)
        #expect(export.status == 0 && export.stdout.contains("node 1"), "\(export.stdout) \(export.stderr)")
        let read = try CommandRunner.run("/usr/bin/env", ["python3", "-c", """
            import sys, gguf
            r = gguf.GGUFReader(sys.argv[1])
            kinds = {t.tensor_type.name for t in r.tensors if len(t.shape) == 2}
            node = int(r.fields["gesal.node"].parts[-1][0])
            ftype = int(r.fields["general.file_type"].parts[-1][0])
            print(len(r.tensors), sorted(kinds), node, ftype)
            """, file])
        #expect(read.status == 0, "\(read.stderr)")
        #expect(read.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "272 ['Q8_0'] 1 7", "\(read.stdout)")
        let answer = try CommandRunner.run("gesal", ["generate", "--model", file, "--max-tokens", "8", "What is 12 + 7? Answer with a number."], cwd: Self.root)
        #expect(answer.status == 0 && !answer.stdout.isEmpty, "\(answer.stderr)")
    }

    @Test func aNodeWithoutAnAdapterIsRefusedByName() throws {
        let scratch = ScratchFolder()
        let store = try Self.taughtStore(scratch)
        let result = try CommandRunner.run("gesal-log", ["export", "model", "--node", "2", "--output", scratch.path + "/x.gguf"] + store, cwd: Self.root)
        #expect(result.status != 0 && result.stderr.contains("no node 2"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/x.gguf"))
    }

    @Test func eventsAreStillTheDefaultExport() throws {
        let scratch = ScratchFolder()
        let store = try Self.taughtStore(scratch)
        let result = try CommandRunner.run("gesal-log", ["export"] + store)
        #expect(result.status == 0 && result.stdout.contains(#""type":"StoreCreated.v1""#), "\(result.stderr)")
    }
}

extension ExportCLITests {
    static let safetensorsReady: Bool = ProcessInfo.processInfo.environment["GESAL_REQUIRE_PYTHON_ORACLES"] == "1"
        || ((try? CommandRunner.run("/usr/bin/env", ["python3", "-c", "import safetensors.numpy"]).status) == 0)

    @Test(.enabled(if: safetensorsReady, "the safetensors Python package is missing (./scripts/test.sh installs it)"))
    func aPEFTAdapterIsReadByTheSafetensorsPackage() throws {
        let scratch = ScratchFolder()
        let store = try Self.taughtStore(scratch)
        let log = try CommandRunner.run("gesal-log", ["log"] + store)
        let adapter = try #require(log.stdout.firstMatch(of: /blobs: ([0-9a-f]{12})/)?.1)
        let folder = scratch.path + "/lora"
        let export = try CommandRunner.run("gesal-log", ["export", "adapter", String(adapter), "--rank", "16", "--output", folder] + store, cwd: Self.root)
        #expect(export.status == 0 && export.stdout.contains("relative_error=0."), "\(export.stdout) \(export.stderr)")
        let read = try CommandRunner.run("/usr/bin/env", ["python3", "-c", """
            import json, sys
            from safetensors.numpy import load_file
            tensors = load_file(sys.argv[1] + "/adapter_model.safetensors")
            config = json.load(open(sys.argv[1] + "/adapter_config.json"))
            a = tensors["base_model.model.model.layers.0.mlp.down_proj.lora_A.weight"]
            b = tensors["base_model.model.model.layers.0.mlp.down_proj.lora_B.weight"]
            print(len(tensors), a.shape, b.shape, config["peft_type"], config["r"], config["lora_alpha"])
            """, folder])
        #expect(read.status == 0, "\(read.stderr)")
        #expect(read.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "180 (16, 1536) (576, 16) LORA 16 16", "\(read.stdout)")
    }
}

extension ExportCLITests {
    @Test(.enabled(if: ggufReady, "the gguf Python package is missing (./scripts/test.sh installs it)"))
    func aGGUFLoRAIsReadByGGUFPy() throws {
        let scratch = ScratchFolder()
        let store = try Self.taughtStore(scratch)
        let log = try CommandRunner.run("gesal-log", ["log"] + store)
        let adapter = try #require(log.stdout.firstMatch(of: /blobs: ([0-9a-f]{12})/)?.1)
        let file = scratch.path + "/lora.gguf"
        let export = try CommandRunner.run("gesal-log", ["export", "adapter", String(adapter), "--format", "gguf-lora", "--rank", "8", "--output", file] + store,
                                           cwd: Self.root)
        #expect(export.status == 0, "\(export.stdout) \(export.stderr)")
        let read = try CommandRunner.run("/usr/bin/env", ["python3", "-c", """
            import sys, gguf
            r = gguf.GGUFReader(sys.argv[1])
            kind = bytes(r.fields["general.type"].parts[-1]).decode()
            a = next(t for t in r.tensors if t.name == "blk.0.ffn_up.weight.lora_a")
            print(len(r.tensors), kind, [int(d) for d in a.shape])
            """, file])
        #expect(read.status == 0, "\(read.stderr)")
        #expect(read.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "180 adapter [576, 8]", "\(read.stdout)")
    }
}
