import Adaptation
import Engine
import EventLog
import Foundation
import GESAL
import Models
import SystemIO
import Tensor
import Testing
import TestSupport

/// `gesal import adapter`: a PEFT LoRA made by numpy and the `safetensors` package
/// (`scripts/make-peft-golden.py`) read as numpy computes its change, recorded as
/// `AdapterImported`, answered with, held fixed by learning, re-executed and rolled back.
@Suite(.serialized, .enabled(if: RealModels.available, RealModels.missing)) struct AdapterImportTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/Fixtures"
    static let folder = fixtures + "/peft-lora"
    static var models: EngineModels { try! RealModels.models() }
    static let config = EngineConfig(similarityThreshold: 0.9, learningRate: 1e-2, klWeight: 0.1, maxTokens: 8, negativeWeight: 0)
    static let sum = "What is 12 + 7? Answer with a number."

    struct Expected: Decodable {
        struct Matrix: Decodable { var module: String; var outputs: Int; var inputs: Int; var positions: [[Int]]; var delta: [Double] }
        var matrices: [Matrix]
    }

    /// A fresh store in a scratch folder (removed with this object) whose first question
    /// made node 1, with the fixture imported into it.
    final class Imported {
        let path: String
        let engine: Engine
        let first: Engine.Answer
        let read: PEFTImport.Result
        let event: AdapterImported

        init(before: (Engine) throws -> Void = { _ in }) throws {
            path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-import")
            engine = try Engine(writer: try LogWriter.create(at: path + "/s"), models: AdapterImportTests.models, config: AdapterImportTests.config, seed: 3)
            first = try engine.ask(AdapterImportTests.sum)
            try before(engine)
            read = try PEFTImport.read(folder: AdapterImportTests.folder, model: AdapterImportTests.models.language.model)
            event = try engine.importAdapter(read.lora, node: first.node, format: "peft", files: read.files, baseModel: read.baseModel)
        }

        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    @Test func aPEFTLoRAIsReadAsNumpyComputesItsChange() throws {
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/peft-lora-expected.json")))
        let read = try PEFTImport.read(folder: Self.folder, model: Self.models.language.model)
        #expect(read.lora.count == expected.matrices.count && read.rank == 2)
        #expect(read.baseModel == "HuggingFaceTB/SmolLM2-135M-Instruct")
        for matrix in expected.matrices {
            let site = try #require(PEFTImport.site("base_model.model." + matrix.module), "\(matrix.module)")
            let lora = try #require(read.lora[site])
            #expect(lora.outputs == matrix.outputs && lora.inputs == matrix.inputs)
            for (position, delta) in zip(matrix.positions, matrix.delta) {
                let (i, j) = (position[0], position[1])
                var product = 0.0
                for k in 0..<lora.rank { product += Double(lora.b[i * lora.rank + k]) * Double(lora.a[k * lora.inputs + j]) }
                let ours = Double(lora.scale) * product
                #expect(abs(ours - delta) <= 1e-6 * max(1, abs(delta)), "\(matrix.module) [\(i), \(j)]: \(ours) vs numpy \(delta)")
            }
        }
    }

    @Test func theImportIsRecordedAndTheNodeAnswersWithIt() throws {
        let store = try Imported()
        let (engine, first, read, imported) = (store.engine, store.first, store.read, store.event)
        #expect(engine.state.nodes[first.node]?.adapterBlob == imported.adapterBlob && engine.state.nodes[first.node]?.adapterVersion == 1)
        #expect(imported.files.keys.sorted() == ["adapter_config.json", "adapter_model.safetensors"])
        let next = try engine.ask(Self.sum)
        #expect(next.adapter == imported.adapterBlob, "the node answers with the imported adapter")
        let stored = try AdapterCodec.decodeAdapters(try engine.writer.history.blob(hex: imported.adapterBlob))
        #expect(stored.lora == read.lora, "the LoRA is kept as read")
        #expect(stored.svf.count == EngineConfig().svfTargets.count * Self.models.language.model.config.layers, "identity SVF vectors to learn on")
        let trail = try Audit.trace(.node(first.node), in: engine.writer.history)
        #expect(trail.contains { $0.type == AdapterImported.typeName && $0.text.contains("importing a peft LoRA (rank 2, 3 matrices") })
        #expect(try Replay.run(engine.writer.history, useSnapshots: false).state.hash == engine.state.hash)
    }

    @Test func learningAfterAnImportMovesTheSVFVectorsAndKeepsTheLoRA() throws {
        let store = try Imported()
        let (engine, first, read, imported) = (store.engine, store.first, store.read, store.event)
        let outcome = try engine.feedback(interaction: first.interaction, reward: -2, correction: "19")
        let step = try #require(outcome.step)
        #expect(step.rejection == nil)
        let before = try AdapterCodec.decodeAdapters(try engine.writer.history.blob(hex: imported.adapterBlob))
        let after = try AdapterCodec.decodeAdapters(step.adapterBlob)
        #expect(after.lora == read.lora, "the imported LoRA is held as imported")
        #expect(after.svf != before.svf, "the SVF vectors learned")

        let report = try Reexecution.verify(engine.writer.history, models: Self.models)
        #expect(report.imports == 1 && report.steps == 2 && report.reproduced == 2 && report.mismatches.isEmpty, "\(report.mismatches)")
    }

    /// An imported LoRA leaves in a PEFT export as it came, beside the SVF change at its site
    /// (identity here, so the pair is the LoRA's change alone).
    @Test func anImportedLoRALeavesInThePEFTExportExactly() throws {
        let store = try Imported()
        let (engine, read, imported) = (store.engine, store.read, store.event)
        let result = try ModelExporting.peft(models: Self.models, blob: try engine.writer.history.blob(hex: imported.adapterBlob), rank: 1).result
        for (site, lora) in read.lora {
            let pair = try #require(result.pairs.first { $0.site == site })
            var exported = [Float](repeating: 0, count: lora.outputs * lora.inputs), imported = exported
            BLAS.matmul(m: lora.outputs, n: lora.inputs, k: pair.rank, a: pair.b, b: pair.a, c: &exported)
            BLAS.matmul(m: lora.outputs, n: lora.inputs, k: lora.rank, alpha: lora.scale, a: lora.b, b: lora.a, c: &imported)
            let worst = zip(exported, imported).map { abs($0 - $1) }.max()!, scale = imported.map(abs).max()!
            #expect(worst <= scale * 1e-6, "\(site): \(worst) of \(scale)")
        }
        #expect(result.pairs.first { $0.site == LinearSite(layer: 5, kind: .down) }?.rank == 3, "1 SVF column and the LoRA's 2")
    }

    /// The checker must say no: an import whose recorded adapter is not what its LoRA makes.
    @Test func reexecutionCatchesATamperedImport() throws {
        let store = try Imported()
        let (engine, honest) = (store.engine, store.event)
        var tampered = honest
        tampered.adapterBlob = honest.loraBlob  // a real blob, but not the composed adapter
        try engine.append([.adapterImported(tampered)])
        let report = try Reexecution.verify(engine.writer.history, models: Self.models)
        #expect(report.imports == 2 && report.reproduced == 1)
        #expect(report.mismatches.count == 1 && report.mismatches[0].contains("imported adapter"), "\(report.mismatches)")
    }

    @Test func rollbackLeavesOutAnImportOrDoesItAgain() throws {
        var other: Engine.Answer?
        let store = try Imported { engine in
            other = try engine.ask("What is the capital of France?")
            try engine.feedback(interaction: other!.interaction, reward: 1)  // bufferSize 1: node 2 learns
        }
        let (engine, first, capital) = (store.engine, store.first, other!)
        let events = try engine.writer.history.events()
        let importEvent = events.first { $0.type == AdapterImported.typeName }!.sequence
        let feedbackEvent = events.first { FeedbackRecorded.typeNames.contains($0.type) }!.sequence

        let without = try Rollback.exclude([importEvent], from: "main", into: "no-import", writer: engine.writer, models: Self.models, reason: "test")
        #expect(without.imports == 0 && without.state.nodes[first.node]?.adapterBlob == nil)

        let again = try Rollback.exclude([feedbackEvent], from: "main", into: "no-feedback", writer: engine.writer, models: Self.models, reason: "test")
        #expect(again.imports == 1 && again.skippedImports.isEmpty)
        let imported = try #require(engine.state.nodes[first.node]?.adapterBlob, "the import gave node \(first.node) an adapter")
        #expect(again.state.nodes[first.node]?.adapterBlob == imported, "the same LoRA onto the same identity start")
        #expect(again.state.nodes[capital.node]?.adapterBlob == nil)
    }
}

/// What a PEFT adapter GESAL cannot apply exactly is refused with, naming the setting or tensor.
@Suite(.enabled(if: RealModels.available, RealModels.missing)) struct AdapterImportRefusalTests {
    /// A copy of the fixture with its config edited by `edit` and, optionally, other tensors.
    static func adapter(_ edit: (inout [String: Any]) -> Void = { _ in }, tensors: [SafetensorsWriter.Tensor]? = nil) throws -> String {
        let folder = try FileSystem().makeTemporaryDirectory(prefix: "gesal-peft")
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: AdapterImportTests.folder + "/adapter_config.json"))) as! [String: Any]
        edit(&config)
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: folder + "/adapter_config.json"))
        if let tensors {
            try Data(try SafetensorsWriter.encode(tensors)).write(to: URL(fileURLWithPath: folder + "/adapter_model.safetensors"))
        } else {
            try FileManager.default.copyItem(atPath: AdapterImportTests.folder + "/adapter_model.safetensors", toPath: folder + "/adapter_model.safetensors")
        }
        return folder
    }

    static func refusal(_ folder: String) -> String {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        do {
            _ = try PEFTImport.read(folder: folder, model: AdapterImportTests.models.language.model)
            return "accepted"
        } catch { return "\(error)" }
    }

    @Test func aConfigThatIsNotJSONIsRefusedWithItsPath() throws {
        let folder = try Self.adapter()
        try Data("{\"r\": 2,".utf8).write(to: URL(fileURLWithPath: folder + "/adapter_config.json"))
        let refusal = Self.refusal(folder)
        #expect(refusal.contains(folder + "/adapter_config.json") && refusal.contains("is not JSON"), "\(refusal)")
    }

    @Test func doraIsRefused() throws {
        #expect(Self.refusal(try Self.adapter { $0["use_dora"] = true }).contains("use_dora is true"))
    }

    @Test func biasTermsAreRefused() throws {
        #expect(Self.refusal(try Self.adapter { $0["bias"] = "lora_only" }).contains("bias is lora_only"))
    }

    @Test func aLayerTheModelDoesNotHaveIsRefusedByName() throws {
        let a = SafetensorsWriter.Tensor(name: "base_model.model.model.layers.99.self_attn.q_proj.lora_A.weight", shape: [2, 576], values: .init(repeating: 0, count: 1152))
        let b = SafetensorsWriter.Tensor(name: "base_model.model.model.layers.99.self_attn.q_proj.lora_B.weight", shape: [576, 2], values: .init(repeating: 0, count: 1152))
        #expect(Self.refusal(try Self.adapter(tensors: [a, b])).contains("model.layers.99.self_attn.q_proj, which is not a linear layer"))
    }

    @Test func aWrongShapeIsRefusedByName() throws {
        let a = SafetensorsWriter.Tensor(name: "base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight", shape: [2, 576], values: .init(repeating: 0, count: 1152))
        let b = SafetensorsWriter.Tensor(name: "base_model.model.model.layers.0.self_attn.k_proj.lora_B.weight", shape: [576, 2], values: .init(repeating: 0, count: 1152))
        let refusal = Self.refusal(try Self.adapter(tensors: [a, b]))
        #expect(refusal.contains("k_proj.lora_B.weight") && refusal.contains("expected [192, 2]"), "\(refusal)")
    }

    @Test func aRankTheConfigDoesNotSayIsRefused() throws {
        #expect(Self.refusal(try Self.adapter { $0["r"] = 4 }).contains("has rank 2, but the config says 4"))
    }
}
