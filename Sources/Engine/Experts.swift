import GESAL

/// Transformer²'s library on the engine: training, promoting and retiring experts, each one
/// record. Bad requests (a taken name, an unknown task or node, a node without an adapter) are
/// refused before anything runs or is written.
extension Engine {
    /// Trains expert `name` on `settings.task` (`ExpertTraining`) and records it once its blob is
    /// durable. `words` is read only for a task made of words; `progress` sees (steps done, total).
    @discardableResult
    public func trainExpert(name: String, settings: ExpertSettings, words: () throws -> [String],
                            progress: (Int, Int) -> Void = { _, _ in }) throws -> ExpertTrained {
        try checkFreeExpertName(name)
        try settings.validate()
        let splits = try ExpertTraining.splits(settings, words: words)
        let training = try ExpertTraining.run(name: name, settings: settings, training: ExpertTraining.recorded(splits.training),
                                              validation: ExpertTraining.recorded(splits.validation), targets: config.svfTargets,
                                              models: models, progress: progress)
        _ = try storeBlob(training.keptBlob)
        try append([.expertTrained(training.event)])
        return training.event
    }

    /// Adds node `node`'s current adapter to the library as expert `name`.
    @discardableResult
    public func promoteExpert(node: Int, name: String) throws -> ExpertPromoted {
        try checkFreeExpertName(name)
        guard let found = state.nodes[node] else {
            let known = state.nodes.isEmpty ? "the store has no nodes yet" : "the store has nodes 1 to \(state.nextNode - 1)"
            throw EngineError(.invalidRequest, "no node \(node) on branch '\(branch)' (\(known))")
        }
        guard let adapter = found.adapterBlob else {
            throw EngineError(.invalidRequest, "node \(node) has not learned anything yet (no adapter): give feedback on its answers first")
        }
        let promoted = ExpertPromoted(name: name, node: node, adapter: adapter)
        try append([.expertPromoted(promoted)])
        return promoted
    }

    /// Takes expert `name` out of the library; its name stays taken.
    @discardableResult
    public func retireExpert(_ name: String, reason: String) throws -> ExpertRetired {
        guard let expert = state.experts[name] else { throw state.unknownExpert(name, branch: branch) }
        guard !expert.retired else { throw EngineError(.invalidRequest, "expert '\(name)' is retired already") }
        let retired = ExpertRetired(name: name, reason: reason)
        try append([.expertRetired(retired)])
        return retired
    }

    private func checkFreeExpertName(_ name: String) throws {
        try checkExpertName(name)
        if let taken = state.experts[name] {
            throw EngineError(.invalidRequest, "an expert named '\(name)' \(taken.retired ? "was retired; names are not reused" : "exists already"): choose another name")
        }
    }
}
