import Adaptation
import EventLog
import GESAL
import Models

/// `gesal import adapter`: a LoRA trained elsewhere joins a node's adapter, as an
/// `AdapterImported` event. The node keeps what it had learned (its SVF vectors, or identity
/// ones when it had none, so GESAL's learning steps go on from the import as from no
/// adapter) and gains the LoRA, replacing one at the same site. Learning steps then move the
/// SVF vectors and hold the LoRA as imported (`Learner.trainsLoRA`).
public enum AdapterImporting {
    /// The node's adapter after importing `lora` onto `current` (its adapter blob, if any).
    public static func compose(_ lora: [LinearSite: LoRA], onto current: [UInt8]?, config: EngineConfig,
                               models: EngineModels) throws -> AdapterSet {
        var adapters = try current.map { try AdapterCodec.decodeAdapters($0) } ?? LearningStep.identityAdapters(config: config, models: models)
        for (site, factors) in lora { adapters.lora[site] = factors }
        return adapters
    }

    /// What the import of `e` must have written, from the adapter its node had before it
    /// (`current`): `replay --reexecute` compares it with the recorded blob.
    public static func recompose(_ e: AdapterImported, onto current: [UInt8]?, config: EngineConfig, models: EngineModels,
                                 blob: (String) throws -> [UInt8]) throws -> [UInt8] {
        let lora = try AdapterCodec.decodeAdapters(try blob(e.loraBlob)).lora
        return AdapterCodec.encode(try compose(lora, onto: current, config: config, models: models))
    }
}

extension Engine {
    /// Imports `lora` into `node`'s adapter and records it; `files` are the SHA-256 of the
    /// files it was read from, by name.
    @discardableResult
    public func importAdapter(_ lora: [LinearSite: LoRA], node: Int, format: String, files: [String: String],
                              baseModel: String?) throws -> AdapterImported {
        guard let existing = state.nodes[node] else {
            let known = state.nodes.isEmpty ? "it has no nodes yet: ask a question first" : "it has nodes \(state.nodes.keys.sorted().map(String.init).joined(separator: ", "))"
            throw EngineError(.invalidRequest, "no node \(node) on branch '\(branch)' (\(known))")
        }
        guard !lora.isEmpty else { throw EngineError(.invalidRequest, "the adapter to import adapts nothing") }
        let adapters = try AdapterImporting.compose(lora, onto: try existing.adapterBlob.map(blob), config: config, models: models)
        let event = AdapterImported(node: node, origin: existing.origin, format: format, files: files, baseModel: baseModel,
                                    sites: lora.keys.sorted().map(\.description), rank: lora.values.map(\.rank).max()!,
                                    loraBlob: try storeBlob(AdapterCodec.encode(AdapterSet(lora: lora))),
                                    adapterBlob: try storeBlob(AdapterCodec.encode(adapters)))
        try append([.adapterImported(event)])
        return event
    }

    /// Imports the LoRA of a recorded import again, onto the adapter of the node its origin
    /// interaction created on this branch (a rollback re-runs history after its fork). False
    /// when no node here was created by it (the rollback dropped that interaction, or it joined
    /// another node): there is nothing to import onto.
    func importAgain(_ e: AdapterImported) throws -> Bool {
        guard let node = state.nodes.values.first(where: { $0.origin == e.origin }) else { return false }
        let lora = try AdapterCodec.decodeAdapters(try blob(e.loraBlob)).lora
        try importAdapter(lora, node: node.id, format: e.format, files: e.files, baseModel: e.baseModel)
        return true
    }
}
