import EventLog
import GESAL
import Models

/// `gesal-log export model`: a node's adapter merged into the chat model, written as a GGUF
/// that llama.cpp (or GESAL itself) loads as a plain model.
public enum ModelExporting {
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
}
