extension EngineState {
    /// One expert of Transformer²'s library (docs/transformer2.md), by name.
    public struct Expert: Sendable, Equatable {
        public var name: String
        /// The task it was trained on; nil for a promoted node adapter.
        public var task: String?
        /// The node it was promoted from; nil for a trained expert.
        public var node: Int?
        public var adapter: String
        /// The kept checkpoint's validation accuracy (trained experts).
        public var accuracy: Float?
        public var retired = false
    }

    /// The experts that dispatch may choose, in name order.
    public var activeExperts: [Expert] { experts.keys.sorted().compactMap { experts[$0]!.retired ? nil : experts[$0] } }

    /// The error for a name the library does not hold, listing the ones it does.
    public func unknownExpert(_ name: String, branch: String) -> EngineError {
        let known = experts.keys.sorted()
        return EngineError(.invalidRequest, "no expert '\(name)' on branch '\(branch)' "
            + (known.isEmpty ? "(the library is empty: `gesal expert train NAME --task T`)" : "(the library holds \(known.joined(separator: ", ")))"))
    }

    /// Whether the library holds `name`, active, with `adapter`.
    public func holds(expert name: String, adapter: String) -> Bool {
        experts[name].map { !$0.retired && $0.adapter == adapter } ?? false
    }

    /// The active expert `name`, or the error that says the library does not hold it.
    public func active(expert name: String, branch: String) throws(EngineError) -> Expert {
        guard let expert = experts[name], !expert.retired else { throw unknownExpert(name, branch: branch) }
        return expert
    }

    /// Refuses a name that is malformed or taken (retired names stay taken).
    public func checkFreeExpertName(_ name: String) throws(EngineError) {
        try checkExpertName(name)
        if let taken = experts[name] {
            throw EngineError(.invalidRequest, "an expert named '\(name)' \(taken.retired ? "was retired; names are not reused" : "exists already"): choose another name")
        }
    }

    /// What promoting `node` as `name` would record, or why it cannot be.
    public func promotion(of node: Int, as name: String, branch: String) throws(EngineError) -> ExpertPromoted {
        try checkFreeExpertName(name)
        guard let found = nodes[node] else {
            let known = nodes.isEmpty ? "the store has no nodes yet" : "the store has nodes 1 to \(nextNode - 1)"
            throw EngineError(.invalidRequest, "no node \(node) on branch '\(branch)' (\(known))")
        }
        guard let adapter = found.adapterBlob else {
            throw EngineError(.invalidRequest, "node \(node) has not learned anything yet (no adapter): give feedback on its answers first")
        }
        return ExpertPromoted(name: name, node: node, adapter: adapter)
    }

    /// What retiring `name` would record, or why it cannot be.
    public func retirement(of name: String, reason: String, branch: String) throws(EngineError) -> ExpertRetired {
        guard let expert = experts[name] else { throw unknownExpert(name, branch: branch) }
        guard !expert.retired else { throw EngineError(.invalidRequest, "expert '\(name)' is retired already") }
        return ExpertRetired(name: name, reason: reason)
    }

    /// Folds `ExpertTrained`, `ExpertPromoted` and `ExpertRetired`. A name is taken once, for
    /// good; a trained expert's kept checkpoint must be the one its curve chooses; a promoted
    /// one must be its node's adapter at that point of the history.
    mutating func applyExpert(_ event: DomainEvent) throws(EngineError) {
        func fail(_ message: String) -> EngineError { EngineError(.inconsistent, message) }
        func claim(_ name: String) throws(EngineError) {
            guard experts[name] == nil else { throw fail("a second expert named '\(name)'") }
        }
        switch event {
        case .expertTrained(let e):
            try claim(e.name)
            guard !e.training.isEmpty, !e.validation.isEmpty else { throw fail("expert '\(e.name)' records no training or no validation items") }
            guard e.curve.map(\.step) == [0] + e.settings.validatedSteps else {
                throw fail("expert '\(e.name)''s curve has steps \(e.curve.map(\.step)), not 0 and the validated steps \(e.settings.validatedSteps)")
            }
            guard ExpertTrained.choice(e.curve) == e.kept else {
                throw fail("expert '\(e.name)' keeps checkpoint \(e.kept), not the best on validation, \(ExpertTrained.choice(e.curve)!) (tampered with?)")
            }
            experts[e.name] = Expert(name: e.name, task: e.settings.task, adapter: e.adapter, accuracy: e.curve[e.kept].accuracy)
        case .expertPromoted(let e):
            try claim(e.name)
            guard let node = nodes[e.node] else { throw fail("expert '\(e.name)' is promoted from node \(e.node), which does not exist") }
            guard node.adapterBlob == e.adapter else {
                throw fail("expert '\(e.name)' is promoted from node \(e.node) with adapter \(e.adapter.prefix(12)), which is not the node's "
                    + "(\(node.adapterBlob.map { String($0.prefix(12)) } ?? "none"))")
            }
            experts[e.name] = Expert(name: e.name, node: e.node, adapter: e.adapter)
        case .expertMixed(let e):
            try claim(e.name)
            // Per matrix, each expert has one weight per site: a whole multiple of the experts.
            let weightsFit = e.settings.perMatrix ? e.alpha.count % max(1, e.experts.count) == 0 && e.alpha.count > 0 : e.alpha.count == e.experts.count
            guard !e.experts.isEmpty, e.experts.count == e.adapters.count, weightsFit, e.experts == e.experts.sorted(),
                  e.generations.allSatisfy({ [$0.mean.count, $0.spread.count, $0.best.count] == Array(repeating: e.alpha.count, count: 3) }) else {
                throw fail("expert '\(e.name)' mixes \(e.experts.count) experts with \(e.adapters.count) adapters and \(e.alpha.count) weights "
                    + "(in name order, one per expert\(e.settings.perMatrix ? " and matrix" : ""), in every generation)")
            }
            for (name, adapter) in zip(e.experts, e.adapters) where !holds(expert: name, adapter: adapter) {
                throw fail("expert '\(e.name)' mixes '\(name)' (adapter \(adapter.prefix(12))), which the library does not hold")
            }
            guard e.generations.count == e.settings.generations, e.shots.count == e.settings.shots, let best = ExpertMixed.choice(e.generations),
                  e.generations[best].bestFitness == e.fitness, e.generations[best].best == e.alpha else {
                throw fail("expert '\(e.name)''s search records \(e.generations.count) generations and \(e.shots.count) shots, or a fitness and α that are not "
                    + "its best generation's (tampered with?)")
            }
            experts[e.name] = Expert(name: e.name, task: e.settings.task, adapter: e.adapter, accuracy: e.fitness.accuracy)
        case .expertRetired(let e):
            guard let expert = experts[e.name] else { throw fail("expert '\(e.name)' is retired, but no expert has that name") }
            guard !expert.retired else { throw fail("expert '\(e.name)' is retired twice") }
            experts[e.name]!.retired = true
        default:
            break
        }
    }
}
