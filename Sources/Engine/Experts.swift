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
        try state.checkFreeExpertName(name)
        try settings.validate()
        let items: (training: [ExpertItem], validation: [ExpertItem])
        if settings.task == ExpertTraining.classificationTask {
            items = try ExpertTraining.classificationItems(ExpertRecords.active(in: writer.history, branch: branch, state: state))
        } else {
            let splits = try ExpertTraining.splits(settings, words: words)
            items = (ExpertTraining.recorded(splits.training), ExpertTraining.recorded(splits.validation))
        }
        let training = try ExpertTraining.run(name: name, settings: settings, training: items.training, validation: items.validation,
                                              targets: config.svfTargets, models: models, progress: progress)
        _ = try storeBlob(training.keptBlob)
        try append([.expertTrained(training.event)])
        return training.event
    }

    /// Mixes `names` (by default the library's active trained experts) for `settings.task` by
    /// few-shot CEM (`ExpertMixing`) and records the mix as expert `name` once its blob is
    /// durable. `progress` sees (generations done, total).
    @discardableResult
    public func adaptExpert(name: String, settings: MixSettings, experts names: [String]? = nil, words: () throws -> [String],
                            progress: (Int, Int) -> Void = { _, _ in }) throws -> ExpertMixed {
        try state.checkFreeExpertName(name)
        try settings.validate()
        let chosen = try names ?? ExpertRecords.active(in: writer.history, branch: branch, state: state).map(\.name)
        let experts = try Set(chosen).sorted().map { name throws -> (name: String, adapter: String) in
            (name, try state.active(expert: name, branch: branch).adapter)
        }
        let mixing = try ExpertMixing.run(name: name, settings: settings, experts: experts, shots: try ExpertMixing.shots(settings, words: words),
                                          models: models, blob: blob, progress: progress)
        _ = try storeBlob(mixing.blob)
        try append([.expertMixed(mixing.event)])
        return mixing.event
    }

    /// Adds node `node`'s current adapter to the library as expert `name`.
    @discardableResult
    public func promoteExpert(node: Int, name: String) throws -> ExpertPromoted {
        let promoted = try state.promotion(of: node, as: name, branch: branch)
        try append([.expertPromoted(promoted)])
        return promoted
    }

    /// Takes expert `name` out of the library; its name stays taken.
    @discardableResult
    public func retireExpert(_ name: String, reason: String) throws -> ExpertRetired {
        let retired = try state.retirement(of: name, reason: reason, branch: branch)
        try append([.expertRetired(retired)])
        return retired
    }
}
