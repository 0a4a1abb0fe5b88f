import Adaptation
import EventLog
import Foundation
import GESAL
import Models

/// `gesal-log export model` and `export adapter`: what a node learned, out of GESAL. A merged
/// GGUF that llama.cpp (or GESAL itself) loads as a plain model; a LoRA in PEFT's format.
public enum ModelExporting {
    /// The full hash of the adapter blob that `prefix` (6 or more hex digits) names on `branch`.
    public static func adapter(_ prefix: String, in store: any EventHistory, branch: String) throws -> String {
        let updates = try store.events(branch: branch).filter { [AdapterUpdated.typeName, AdapterImported.typeName, AdapterTrained.typeName].contains($0.type) }.map { ($0.sequence, try DomainEvent($0)) }
        return try Audit.adapterOrigin(prefix, among: updates, branch: branch).blob
    }

    /// The adapter `blob` as PEFT's two files' contents: the safetensors bytes and the config.
    public static func peft(models: EngineModels, blob: [UInt8], rank: Int?) throws -> (safetensors: [UInt8], config: [UInt8], result: PEFTExport.Result) {
        let (_, result) = try lora(models: models, blob: blob, rank: rank)
        let config = try JSONSerialization.data(withJSONObject: result.config, options: [.sortedKeys, .prettyPrinted])
        return (try SafetensorsWriter.encode(result.tensors, metadata: ["format": "pt"]), Array(config), result)
    }

    /// The adapter `blob` as LoRA pairs, and the chat model's GGUF (its name and architecture).
    private static func lora(models: EngineModels, blob: [UInt8], rank: Int?) throws -> (source: GGUFFile, result: PEFTExport.Result) {
        let source = try GGUFFile(path: models.language.path)
        let name = source.metadata["general.name"]?.string ?? URL(fileURLWithPath: models.language.path).lastPathComponent
        return (source, PEFTExport.lora(try AdapterCodec.decodeAdapters(blob), bases: try models.bases(), rank: rank, baseModel: name))
    }

    /// The node whose adapter the export holds: `requested` when given, else the only node of
    /// the branch that has an adapter.
    public static func node(_ requested: Int?, in state: EngineState, branch: String) throws(EngineError) -> (node: Int, adapter: String) {
        let adapted = state.nodes.values.filter { $0.adapterBlob != nil }.map(\.id).sorted()
        if let requested {
            guard let node = state.nodes[requested] else {
                throw EngineError(.invalidRequest, "no node \(requested) on branch '\(branch)' (it has \(state.nodes.count))")
            }
            guard let adapter = node.adapterBlob else {
                throw EngineError(.invalidRequest, "node \(requested) has no adapter yet (it answers with the base model): nothing to merge")
            }
            return (requested, adapter)
        }
        switch adapted.count {
        case 0: throw EngineError(.invalidRequest, "no node on branch '\(branch)' has an adapter yet: nothing to merge")
        case 1: return (adapted[0], state.nodes[adapted[0]]!.adapterBlob!)
        default:
            throw EngineError(.invalidRequest, "nodes \(adapted.map(String.init).joined(separator: ", ")) have adapters: say which with --node "
                + "(one merged model holds one node's adapter)")
        }
    }

    /// The chat model with `blob` (an adapter) merged in, as GGUF bytes of `type`, with the
    /// source model's metadata and `gesal.*` keys naming the adapter, node, branch and model.
    public static func mergedGGUF(models: EngineModels, blob: [UInt8], adapter: String, node: Int, branch: String,
                                  type: GGMLType) throws -> [UInt8] {
        let source = try GGUFFile(path: models.language.path)
        let merged = try models.adapted(blob)
        return ModelExport.gguf(merged.model, source: source, type: type, provenance: [
            ("gesal.adapter", .string(adapter)), ("gesal.node", .uint32(UInt32(node))), ("gesal.branch", .string(branch)),
            ("gesal.base_model_fingerprint", .string(models.fingerprint)),
        ])
    }

    /// The adapter `blob` as a GGUF LoRA that llama.cpp applies with `--lora`: tensors
    /// `blk.N.ffn_gate.weight.lora_a` ([in, r] in GGUF's order) and `.lora_b` ([r, out]), Float32,
    /// `adapter.lora.alpha` = r (scale 1), and the base model's architecture.
    public static func ggufLoRA(models: EngineModels, blob: [UInt8], rank: Int?) throws -> (bytes: [UInt8], result: PEFTExport.Result) {
        let (source, result) = try lora(models: models, blob: blob, rank: rank)
        let tensors = result.pairs.flatMap { pair in [
            GGUFWriter.Tensor(name: PEFTExport.ggufName(pair.site) + ".lora_a", dims: [pair.inputs, pair.rank], type: .f32,
                              data: Quantize.bytes(pair.a, as: .f32)),
            GGUFWriter.Tensor(name: PEFTExport.ggufName(pair.site) + ".lora_b", dims: [pair.rank, pair.outputs], type: .f32,
                              data: Quantize.bytes(pair.b, as: .f32)),
        ] }
        let bytes = GGUFWriter.encode([
            ("general.architecture", .string(try source.string("general.architecture"))), ("general.type", .string("adapter")),
            ("adapter.type", .string("lora")), ("adapter.lora.alpha", .float32(Float(result.rank))),
        ], tensors: tensors)
        return (bytes, result)
    }
}
