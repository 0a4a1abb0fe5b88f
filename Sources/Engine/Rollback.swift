import EventLog
import GESAL

/// `rollback --exclude`: a new branch in which some feedback, interactions or adapter imports
/// never happened.
/// It forks just before the first excluded event, then walks the rest of the source branch:
/// prompts are routed again from their recorded embeddings, feedback is given again (so every
/// later learning step is re-executed), and an answer is regenerated only when what it
/// depended on (node, adapters, rejected responses) changed. The result is what a fresh store
/// would hold had it received everything but the excluded events. The source branch is not
/// touched.
public enum Rollback {
    public struct Report: Sendable {
        public var branch: String
        public var fork: UInt64
        /// Every event left out: the excluded ones and what they imply (an interaction's routing
        /// and feedback).
        public var dropped: [UInt64]
        public var interactions = 0
        public var regeneratedAnswers = 0
        public var learningSteps = 0
        /// Adapter imports done again on the new branch, and those left out because no node
        /// there was created by their node's first interaction (by sequence in the source).
        public var imports = 0
        public var skippedImports: [UInt64] = []
        /// Experts' training, mixing and retirement, copied as they were (they do not depend on
        /// feedback); promotions done again from the node the same interaction created there,
        /// and those left out (with mixes of them) because that node has no adapter there.
        public var experts = 0
        /// SEAL's facts copied (passages, self-edits, scores, choices, writer rounds) while the
        /// knowledge they were learned on is unchanged.
        public var knowledge = 0
        /// Passages learned again (with the settings they were learned with) because an earlier
        /// passage was left out, writer rounds trained again, and rounds left out because
        /// nothing beat its passage there.
        public var relearnedPassages = 0
        public var retrainedRounds = 0
        public var skippedRounds: [UInt64] = []
        public var skippedPromotions: [UInt64] = []
        /// The new branch's state at its head.
        public var state = EngineState()
        public var stateHash: String { state.hash.hex }
    }

    /// What an exclusion will do, checked against the store before any model is loaded: every
    /// bad request (an existing branch name, a sequence past the head, an event that is not
    /// feedback, an interaction or an adapter import) fails here, having changed nothing.
    public struct Plan: Sendable {
        public var excluded: [UInt64]
        public var source: String
        public var branch: String
        /// The new branch forks after this sequence.
        public var fork: UInt64
        public var dropped: Set<UInt64>
        let events: [Event]
        let facts: [DomainEvent]
    }

    public static func plan(_ excluded: [UInt64], from source: String, into name: String, in store: any EventHistory) throws -> Plan {
        if try store.branches()[name] != nil {
            throw EngineError(.invalidRequest, "a branch named '\(name)' already exists (see `gesal-log branch list`); choose another name")
        }
        let head = try store.head(of: source)
        guard !excluded.isEmpty else { throw EngineError(.invalidRequest, "name at least one event to exclude") }
        for sequence in excluded where sequence < 1 || sequence > head {
            throw EngineError(.invalidRequest, "sequence \(sequence) is past the head of '\(source)' (\(head))")
        }
        let events = try store.events(branch: source)
        let domain = try events.map { try DomainEvent($0) }

        // What goes: each excluded event, and for an interaction everything about it.
        var droppedInteractions: Set<Int> = [], droppedPassages: Set<Int> = []
        var dropped: Set<UInt64> = []
        for sequence in excluded {
            let index = Int(sequence) - 1
            switch domain[index] {
            case .feedbackRecorded, .adapterImported: dropped.insert(sequence)
            case .interactionRecorded(let e): droppedInteractions.insert(e.interaction)
            case .passageSubmitted(let e): droppedPassages.insert(e.passage)
            default:
                throw EngineError(.invalidRequest, "event \(sequence) is \(events[index].type): rollback --exclude takes feedback, interaction, "
                    + "adapter import or passage (PassageSubmitted) events (learning steps are re-run from them, not excluded themselves; see `gesal-log log`)")
            }
        }
        for (index, event) in domain.enumerated() where droppedInteractions.contains(event.interaction ?? -1) {
            dropped.insert(UInt64(index + 1))
        }
        // A passage goes with its self-edits, scores and choice (a writer round is trained again).
        for (index, event) in domain.enumerated() where event.passage.map(droppedPassages.contains) == true {
            if case .writerTrained = event { continue }
            dropped.insert(UInt64(index + 1))
        }
        return Plan(excluded: excluded.sorted(), source: source, branch: name, fork: dropped.min()! - 1, dropped: dropped, events: events, facts: domain)
    }

    /// `plan`, then `run`.
    public static func exclude(_ excluded: [UInt64], from source: String, into name: String, writer: any HistoryWriter, models: EngineModels,
                               reason: String, progress: (Int, Int) -> Void = { _, _ in }) throws -> Report {
        try run(plan(excluded, from: source, into: name, in: writer.history), writer: writer, models: models, reason: reason, progress: progress)
    }

    /// Makes the plan's branch and re-runs the source's history after the fork into it.
    public static func run(_ plan: Plan, writer: any HistoryWriter, models: EngineModels, reason: String,
                           progress: (Int, Int) -> Void = { _, _ in }) throws -> Report {
        let (name, source, fork, dropped) = (plan.branch, plan.source, plan.fork, plan.dropped)
        try writer.createBranch(name, from: source, at: fork)
        let engine = try Engine(writer: writer, branch: name, models: models)
        try engine.append([.reverted(Reverted(excluded: plan.excluded, reason: reason))])
        var report = Report(branch: name, fork: fork, dropped: dropped.sorted())

        // The new branch opened on the source's first `fork` events: its replay is the original
        // state there (before any step the engine may have finished on opening).
        var original = engine.opened.state
        let rest = Array(zip(plan.events, plan.facts).dropFirst(Int(fork)))
        for (done, (event, fact)) in rest.enumerated() {
            defer { progress(done + 1, rest.count) }
            if case .interactionRecorded(let e) = fact, !dropped.contains(event.sequence) {
                let recordedPlan = AnswerPlan(interaction: e.interaction, prompt: e.prompt, node: e.node, adapter: e.adapter,
                                              rejected: original.nodes[e.node]?.rejectedResponses ?? [], request: e.request,
                                              clusterAdapter: e.clusterAdapter, expert: e.expert, knowledge: e.knowledge)
                _ = try engine.record(prompt: e.prompt, embedding: e.embedding.values, interaction: e.interaction, request: e.request) { plan in
                    if plan == recordedPlan {
                        return Engine.RecordedAnswer(text: e.response, sampling: e.sampling, promptTokens: e.promptTokens, responseTokens: e.responseTokens,
                                                     confidence: e.signals.map(\.confidence))
                    }
                    report.regeneratedAnswers += 1
                    return try engine.answer(plan)
                }
                report.interactions += 1
            } else if case .feedbackRecorded(let e) = fact, !dropped.contains(event.sequence) {
                if try engine.feedback(interaction: e.interaction, reward: e.reward, source: e.source, correction: e.correction).step != nil { report.learningSteps += 1 }
            } else if case .adapterImported(let e) = fact, !dropped.contains(event.sequence) {
                if try engine.importAgain(e) { report.imports += 1 } else { report.skippedImports.append(event.sequence) }
            } else if case .expertPromoted(let e) = fact {
                let origin = original.nodes[e.node]?.origin
                if let node = engine.state.nodes.values.first(where: { $0.origin == origin && $0.adapterBlob != nil }) {
                    try engine.promoteExpert(node: node.id, name: e.name)
                    report.experts += 1
                } else {
                    report.skippedPromotions.append(event.sequence)
                }
            } else if case .expertTrained = fact {
                try engine.append([fact])
                report.experts += 1
            } else if case .expertMixed(let e) = fact {
                // A mix of a promotion left out cannot be made there; it is left out too.
                if zip(e.experts, e.adapters).allSatisfy({ engine.state.experts[$0]?.adapter == $1 }) {
                    try engine.append([fact])
                    report.experts += 1
                } else {
                    report.skippedPromotions.append(event.sequence)
                }
            } else if case .expertRetired(let e) = fact, engine.state.experts[e.name] != nil {  // not a promotion left out
                try engine.append([fact])
                report.experts += 1
            } else if fact.passage != nil, !dropped.contains(event.sequence) {
                // SEAL's facts depend on no feedback or answer, only on the knowledge learned
                // before them: copied while that is the source's, else learned again.
                if engine.state.knowledge == original.knowledge {
                    try engine.append([fact])
                    report.knowledge += 1
                } else if case .selfEditChosen(let e) = fact, let learned = original.knowledge.passages[e.passage] {
                    let s = learned.submitted
                    try engine.learn(title: s.title, text: s.text, questions: s.questions, questionsBy: s.questionsBy, settings: KnowledgeLearning.settings(of: learned))
                    report.relearnedPassages += 1
                } else if case .writerTrained(let e) = fact {
                    if engine.state.knowledge.writerData.isEmpty {
                        report.skippedRounds.append(event.sequence)
                    } else {
                        try engine.trainWriter(training: e.training)
                        report.retrainedRounds += 1
                    }
                }
            }
            try original.apply(fact)
        }
        report.state = engine.state
        return report
    }
}
