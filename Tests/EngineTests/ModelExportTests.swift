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

/// `gesal-log export model`: a node's adapter merged into SmolLM2 and written as GGUF. Read
/// back with the project's GGUF reader, every tensor is the merged weight in the chosen type;
/// loaded as a plain model, it answers as the adapted engine does.
@Suite(.serialized, .enabled(if: RealModels.available, RealModels.missing)) struct ModelExportTests {
    static let prompts = ["What is 12 + 7? Answer with a number.", "What is the capital of France?",
                          "How many times does the letter r appear in the word strawberry?"]

    /// A store whose node 1 learned from one corrected feedback, and that node's adapted model.
    // The suite runs serially, so the engine is never used from two tests at once.
    nonisolated(unsafe) static let taught: (folder: String, engine: Engine, adapter: String, merged: LanguageModel) = {
        let folder = try! FileSystem().makeTemporaryDirectory(prefix: "gesal-export")
        let engine = try! RealModels.engine(at: folder + "/s", config: EngineConfig(bufferSize: 1, maxTokens: 12))
        _ = try! engine.ask(prompts[0])
        try! engine.feedback(interaction: 1, reward: -2, correction: "19")
        let adapter = engine.state.nodes[1]!.adapterBlob!
        return (folder, engine, adapter, try! engine.languageModel(AdapterStack(node: adapter)))
    }()

    /// Each type is exported once per run (a merged SmolLM2 is 144 to 540 MB).
    nonisolated(unsafe) static var exported: [GGMLType: (path: String, file: GGUFFile)] = [:]

    func export(_ type: GGMLType) throws -> (path: String, file: GGUFFile) {
        if let done = Self.exported[type] { return done }
        let (folder, engine, adapter, _) = Self.taught
        let bytes = try ModelExporting.mergedGGUF(models: engine.models, blob: try engine.writer.history.blob(hex: adapter), adapter: adapter,
                                                  node: 1, branch: "main", type: type)
        let path = folder + "/merged-\(type.name).gguf"
        try FileSystem().writeAtomically(path, bytes, durable: false)
        Self.exported[type] = (path, try GGUFFile(path: path))
        return Self.exported[type]!
    }

    @Test func anF32ExportHoldsTheMergedWeightsBitForBitAndAnswersAsTheEngine() throws {
        let (path, file) = try export(.f32)
        let merged = Self.taught.merged.model.weights
        for name in ["blk.0.ffn_gate.weight", "blk.29.ffn_down.weight", "blk.0.attn_q.weight", "token_embd.weight"] {
            let info = try file.tensor(name)
            #expect(info.type == .f32)
            #expect(try file.floats(name, shape: info.dims) == merged.floats(ggufName: name)!, "\(name)")
        }
        let reloaded = try LanguageModel.load(gguf: path)
        for prompt in Self.prompts {
            let parameters = SamplingParameters(maxTokens: 12)
            #expect(reloaded.generate(prompt: prompt, parameters: parameters).text == Self.taught.merged.generate(prompt: prompt, parameters: parameters).text)
        }
    }

    @Test func theAdapterIsInTheExportNotOnlyTheBaseModel() throws {
        let (_, file) = try export(.f32)
        let base = try GGUFFile(path: Self.taught.engine.models.language.path)
        let name = "blk.0.ffn_gate.weight", info = try base.tensor(name)
        #expect(try file.floats(name, shape: info.dims) != (try base.floats(name, shape: info.dims)), "the SVF merge changed the MLP weights")
        let attention = try base.tensor("blk.0.attn_q.weight")
        #expect(try file.floats(attention.name, shape: attention.dims) == (try base.floats(attention.name, shape: attention.dims)), "attention is not adapted")
    }

    @Test func anF16AndAQ8_0ExportHoldTheMergedWeightsInTheirType() throws {
        let merged = Self.taught.merged.model.weights
        for type in [GGMLType.f16, .q8_0] {
            let (_, file) = try export(type)
            let info = try file.tensor("blk.3.ffn_up.weight")
            #expect(info.type == type)
            let expected = Quantize.bytes(merged.floats(ggufName: info.name)!, as: type)
            #expect(Array(file.data(of: info)) == expected)
            #expect(try file.tensor("blk.3.ffn_norm.weight").type == .f32, "vectors stay f32")
            #expect(file.metadata["general.file_type"]?.int == (type == .f16 ? 1 : 7))
        }
    }

    @Test func theMetadataIsTheSourcesPlusProvenance() throws {
        let (_, file) = try export(.f16)
        let base = try GGUFFile(path: Self.taught.engine.models.language.path)
        for (key, value) in base.metadata where key != "general.file_type" { #expect(file.metadata[key] == value, "\(key)") }
        #expect(file.metadata["gesal.adapter"]?.string == Self.taught.adapter)
        #expect(file.metadata["gesal.node"]?.int == 1)
        #expect(file.tensorNames == base.tensorNames)
    }

    @Test func aFullRankPEFTLoRAAddsUpToTheMergedWeights() throws {
        let (_, engine, adapter, merged) = Self.taught
        let (bytes, config, result) = try ModelExporting.peft(models: engine.models, blob: try engine.writer.history.blob(hex: adapter), rank: nil)
        #expect(result.relativeError == 0)
        #expect(result.tensors.count == 2 * 90, "gate, up and down of 30 layers")
        let path = Self.taught.folder + "/adapter_model.safetensors"
        try FileSystem().writeAtomically(path, bytes, durable: false)
        let file = try SafetensorsFile(path: path)
        let a = try file.floats("base_model.model.model.layers.0.mlp.gate_proj.lora_A.weight", shape: [576, 576])
        let b = try file.floats("base_model.model.model.layers.0.mlp.gate_proj.lora_B.weight", shape: [1536, 576])
        let base = try GGUFFile(path: engine.models.language.path).floats("blk.0.ffn_gate.weight", shape: [576, 1536])
        var w = base
        BLAS.matmul(m: 1536, n: 576, k: 576, a: b, b: a, beta: 1, c: &w)
        let target = merged.model.weights.layers[0].gate.floats
        let worst = zip(w, target).map { abs($0 - $1) }.max()!, scale = target.map(abs).max()!
        #expect(worst < scale * 1e-4, "W + BA = W' up to the SVD's float error: \(worst) of \(scale)")
        let json = try JSONSerialization.jsonObject(with: Data(config)) as! [String: Any]
        #expect(json["peft_type"] as? String == "LORA" && json["r"] as? Int == 576 && json["lora_alpha"] as? Int == 576)
        #expect(json["target_modules"] as? [String] == ["down_proj", "gate_proj", "up_proj"])
    }

    @Test func aTruncatedLoRASaysHowMuchItDropped() throws {
        let (_, engine, adapter, _) = Self.taught
        let blob = try engine.writer.history.blob(hex: adapter)
        let r8 = try ModelExporting.peft(models: engine.models, blob: blob, rank: 8).result
        let r64 = try ModelExporting.peft(models: engine.models, blob: blob, rank: 64).result
        #expect(r8.rank == 8 && r8.tensors.first?.shape == [8, 576])
        #expect(r8.relativeError > r64.relativeError && r64.relativeError > 0 && r8.relativeError < 1)
    }

    @Test func aGGUFLoRAHoldsThePEFTPairsUnderLlamaCppsNames() throws {
        let (folder, engine, adapter, _) = Self.taught
        let (bytes, result) = try ModelExporting.ggufLoRA(models: engine.models, blob: try engine.writer.history.blob(hex: adapter), rank: 32)
        try FileSystem().writeAtomically(folder + "/lora.gguf", bytes, durable: false)
        let file = try GGUFFile(path: folder + "/lora.gguf")
        #expect(file.metadata["general.type"]?.string == "adapter" && file.metadata["adapter.type"]?.string == "lora")
        #expect(file.metadata["adapter.lora.alpha"]?.double == 32, "alpha = r: scale 1")
        #expect(file.metadata["general.architecture"]?.string == "llama")
        let pair = result.pairs.first { $0.site == LinearSite(layer: 2, kind: .down) }!
        let a = try file.tensor("blk.2.ffn_down.weight.lora_a"), b = try file.tensor("blk.2.ffn_down.weight.lora_b")
        #expect(a.dims == [1536, 32] && b.dims == [32, 576], "GGUF order: innermost first")
        #expect(try file.floats(a.name, shape: a.dims) == pair.a && file.floats(b.name, shape: b.dims) == pair.b)
        #expect(file.tensorNames.count == 180)
    }

    @Test func anAdapterPrefixNamesOneAdapter() throws {
        let (_, engine, adapter, _) = Self.taught
        #expect(try ModelExporting.adapter(String(adapter.prefix(8)), in: engine.writer.history, branch: "main") == adapter)
        #expect { try ModelExporting.adapter("abc", in: engine.writer.history, branch: "main") } throws: { "\($0)".contains("at least 6 hex digits") }
        #expect { try ModelExporting.adapter("000000", in: engine.writer.history, branch: "main") } throws: { "\($0)".contains("no adapter 000000") }
    }

    @Test func withoutANodeTheOnlyAdaptedOneIsChosenAndAnUnadaptedOneIsRefused() throws {
        let state = Self.taught.engine.state
        #expect(try ModelExporting.node(nil, in: state, branch: "main").node == 1)
        #expect { try ModelExporting.node(7, in: state, branch: "main") } throws: { "\($0)".contains("no node 7") }
    }
}
