import EventLog
import Tensor

/// The projection of a GESAL history: graph memory (nodes with centroid, count, past rejected
/// responses, buffered feedback), the adapter store (each node's adapter blobs), and the
/// interactions with their rewards. `apply` is a pure fold: no clock, no randomness, no model.
/// Replaying the same events gives the same state, and the same `hash`.
public struct EngineState: Sendable, Equatable {
    public struct Interaction: Sendable, Equatable {
        public var prompt: String
        public var response: String
        public var node: Int
        public var rewards: [Float] = []
        /// The right answer, when feedback said what it was (the latest one given).
        public var correction: String?
        /// How sure the model was and how novel the prompt, when recorded.
        public var signals: AnswerSignals?
        /// The prompt's embedding, kept in a store with SAGE's buffer (its rounds cluster them).
        public var embedding: [Float]?
    }

    /// SAGE's trigger: what it judged, in order, and its calibration once the warm-up ended.
    public struct Trigger: Sendable, Equatable {
        public struct Judged: Sendable, Equatable {
            public var interaction: Int
            public var fired: Bool
        }
        /// One entry per judgement (an interaction given feedback twice is judged twice).
        public var judged: [Judged] = []
        public var calibration: TriggerCalibrated?

        public var isEmpty: Bool { judged.isEmpty && calibration == nil }
    }

    public struct BufferedFeedback: Sendable, Equatable {
        public var interaction: Int
        public var reward: Float
    }

    public struct Node: Sendable, Equatable {
        public var id: Int
        public var centroid: [Float]
        public var count: Int
        /// The interaction that created the node.
        public var origin: Int
        /// The nearest node when this one was created (the lineage edge), if there was one.
        public var parent: Int?
        /// Responses given negative feedback here (GESAL's past-response set): not to repeat.
        public var rejectedResponses: [String] = []
        /// Feedback that waits for the node's next update, in arrival order.
        public var buffer: [BufferedFeedback] = []
        public var adapterBlob: String?
        public var optimizerBlob: String?
        /// How many updates the adapter has had.
        public var adapterVersion = 0
        /// The node's known right answers: interactions whose correction is the answer to
        /// their prompt, one per prompt (a later correction of the same prompt replaces the
        /// earlier one), oldest first. Every learning step of the node trains on them.
        public var knownAnswers: [Int] = []
    }

    public internal(set) var created: StoreCreated? {
        get { creation?.event }
        set { creation = newValue.map(Creation.init) }
    }
    /// `created` behind a reference. A StoreCreated is 358 bytes inline, and reading one of its
    /// settings through the optional copied all of it, several times per folded event (objdump
    /// of `apply`: five copies of it, two of the event; perf: about a tenth of a replay).
    /// Folds read settings through here.
    private(set) var creation: Creation?

    final class Creation: Sendable, Equatable {
        let event: StoreCreated
        init(_ event: StoreCreated) { self.event = event }
        static func == (a: Creation, b: Creation) -> Bool { a === b || a.event == b.event }
    }

    /// `created` in its canonical JSON, made when it is applied: the state encoding then
    /// cannot fail, because a `StoreCreated` that has no JSON form is refused by `apply`.
    var createdJSON = ""
    public internal(set) var interactions: [Int: Interaction] = [:]
    public internal(set) var nodes: [Int: Node] = [:]
    public internal(set) var updates = 0
    public internal(set) var rejectedUpdates = 0
    /// Learning steps' triggers (`TriggerFired.v1`).
    public internal(set) var triggers = 0
    public internal(set) var trigger = Trigger()
    /// SAGE's buffer and its formed clusters (in a store made with `--buffer`).
    public internal(set) var buffer = Buffer()
    /// SAGE's LoRA store (in a store made with `--lora-store`).
    public internal(set) var pool = Pool()
    /// Transformer²'s library of experts, by name (retired ones too: a name is taken for good).
    public internal(set) var experts: [String: Expert] = [:]
    /// SEAL's passages and knowledge adapter.
    public internal(set) var knowledge = Knowledge()
    /// Events the fold derived from the last one (a buffer round's cluster events, the pool's
    /// retirements) that the history has not recorded yet: the record must hold them, in
    /// this order, right after the event that made them.
    public internal(set) var pending: [DomainEvent] = []

    /// The number the next interaction gets (1 for the first).
    public var nextInteraction: Int { (interactions.keys.max() ?? 0) + 1 }
    /// The number the next node gets (1 for the first).
    public var nextNode: Int { (nodes.keys.max() ?? 0) + 1 }

    /// Node pairs whose centroids have cosine similarity at least `threshold` (each pair once,
    /// lower id first): the graph memory's similarity edges, derived from the centroids.
    public func similarityEdges(threshold: Float) -> [(from: Int, to: Int, similarity: Float)] {
        let ids = nodes.keys.sorted()
        var edges: [(Int, Int, Float)] = []
        for (i, a) in ids.enumerated() {
            for b in ids[(i + 1)...] {
                let similarity = Ops.cosine(nodes[a]!.centroid, nodes[b]!.centroid)
                if similarity >= threshold { edges.append((a, b, similarity)) }
            }
        }
        return edges
    }

    public init() {}

    /// The trigger's calibration on `sample`: the percentiles of those interactions' label-free
    /// signals (what the engine records at the warm-up's end, and what replay checks it against).
    public func calibration(on sample: [Int]) -> TriggerCalibrated {
        TriggerCalibrated(interactions: sample, samples: sample.map { interactions[$0]?.signals?.named ?? [:] })
    }

    /// A judgement must follow from what it records: the store has a trigger, its label-free
    /// signals are the interaction's, and its badness, score and verdict are what the store's
    /// settings make of its signals and the latest reward. So a tampered judgement is refused
    /// by replay, naming the interaction, never folded.
    func checkJudgement(_ e: TriggerFired, _ judgement: TriggerFired.Judgement) throws(EngineError) {
        func fail(_ what: String) -> EngineError {
            EngineError(.inconsistent, "the trigger's judgement of interaction \(e.interaction) \(what)")
        }
        guard let settings = creation?.event.config.trigger else { throw fail("is in a store made without a trigger") }
        guard let interaction = interactions[e.interaction], let reward = interaction.rewards.last else { throw fail("comes before any feedback on it") }
        for (name, value) in interaction.signals?.named ?? [:] where e.scores[name] != value {
            throw fail("records \(name) \(e.scores[name].map { "\($0)" } ?? "nothing") where the answer measured \(value)")
        }
        let expected = settings.judge(interaction: e.interaction, reward: reward, signals: e.scores, calibration: trigger.calibration)
        guard expected == e else { throw fail("does not follow from its signals and the store's settings (tampered with?)") }
    }

    /// An interaction the trigger just fired on enters SAGE's buffer and a round runs; the
    /// round's cluster events, and the retirement of pool adapters whose clusters ended, must
    /// follow (`pending`).
    mutating func addSample(_ interaction: Int) throws(EngineError) {
        func fail(_ what: String) -> EngineError { EngineError(.inconsistent, "interaction \(interaction) enters the buffer \(what)") }
        guard let settings = creation?.event.config.buffer else { throw fail("of a store made without one") }
        guard pending.isEmpty else { throw fail("before the last round's \(pending.count) derived events") }
        guard let last = trigger.judged.last, last.interaction == interaction, last.fired else {
            throw fail("without the trigger firing on it just before")
        }
        guard !buffer.samples.contains(interaction) else { throw fail("a second time") }
        guard !buffer.holds(prompt: interactions[interaction]?.prompt, in: interactions) else { throw fail("but its prompt is in it already") }
        let points = (buffer.samples + [interaction]).map { interactions[$0]?.embedding ?? [] }
        guard points.allSatisfy({ !$0.isEmpty }) else { throw fail("but a sample's embedding is missing") }
        let (next, events) = try buffer.adding(interaction, points: points, settings: settings)
        buffer = next
        pending = events + retireEnded(by: events)
    }

    /// Whether an interaction's embedding is kept: SAGE's buffer clusters them, and nothing
    /// else in the state reads them.
    var keepsInteractionEmbeddings: Bool { creation?.event.config.buffer != nil }

    /// Folds one event in. A history that breaks the rules (feedback for an interaction that
    /// does not exist, an update for a missing node) is refused with the reason.
    /// Existence is checked with `keys.contains`: `nodes[id] != nil` copied the whole node
    /// (every array it holds retained and released), 4% of a replay by callgrind.
    public mutating func apply(_ event: DomainEvent) throws(EngineError) {
        func fail(_ message: String) -> EngineError { EngineError(.inconsistent, message) }
        if case .storeCreated = event {} else if creation == nil {
            throw fail("the history does not start with StoreCreated")
        }
        if let missing = pending.first, !event.isDerived {
            throw fail("\(event.typeName) comes before the record's derived \(missing.typeName) (\(missing.interactionList))")
        }
        switch event {
        case .storeCreated(let e):
            guard creation == nil else { throw fail("a second StoreCreated") }
            do { try e.config.checkComposition() } catch { throw fail("StoreCreated: \(error.message)") }
            createdJSON = try canonicalJSON(e)
            created = e
        case .nodeCreated(let e):
            guard !nodes.keys.contains(e.node) else { throw fail("node \(e.node) is created twice") }
            nodes[e.node] = Node(id: e.node, centroid: e.embedding.values, count: 1, origin: e.interaction, parent: e.nearest)
        case .nodeUpdated(let e):
            guard let node = nodes.index(forKey: e.node) else { throw fail("NodeUpdated for node \(e.node), which does not exist") }
            nodes.values[node].centroid = e.centroid.values
            nodes.values[node].count = e.count
        case .interactionRecorded(let e):
            guard nodes.keys.contains(e.node) else { throw fail("interaction \(e.interaction) routed to node \(e.node), which does not exist") }
            guard !interactions.keys.contains(e.interaction) else { throw fail("interaction \(e.interaction) is recorded twice") }
            if let use = e.clusterAdapter {
                guard pool.adapters[use.cluster]?.blob == use.adapter else {
                    throw fail("interaction \(e.interaction) is answered with adapter \(use.adapter.prefix(12)) of cluster \(use.cluster), which the pool does not hold")
                }
                pool.adapters[use.cluster]!.routed += 1
            }
            if let use = e.expert, !holds(expert: use.name, adapter: use.adapter) {
                throw fail("interaction \(e.interaction) is answered with expert '\(use.name)' (adapter \(use.adapter.prefix(12))), which the library does not hold")
            }
            if let used = e.knowledge, used != knowledge.adapter {
                throw fail("interaction \(e.interaction) is answered with knowledge adapter \(used.prefix(12)), which is not the store's "
                    + "(\(knowledge.adapter.map { String($0.prefix(12)) } ?? "none"))")
            }
            interactions[e.interaction] = Interaction(prompt: e.prompt, response: e.response, node: e.node, signals: e.signals,
                                                      embedding: keepsInteractionEmbeddings ? e.embedding.values : nil)
        case .feedbackRecorded(let e):
            // One look-up per dictionary, changes in place through the index: each `nodes[id]!`
            // hashed again, and a read of one copied the whole node (callgrind).
            guard let index = interactions.index(forKey: e.interaction) else { throw fail("feedback for interaction \(e.interaction), which does not exist") }
            interactions.values[index].rewards.append(e.reward)
            if let correction = e.correction { interactions.values[index].correction = correction }
            let interaction = interactions.values[index]
            let node = nodes.index(forKey: interaction.node)!
            if e.correction != nil {
                nodes.values[node].knownAnswers.removeAll { interactions[$0]?.prompt == interaction.prompt }
                nodes.values[node].knownAnswers.append(e.interaction)
            }
            if creation?.event.config.learnsFrom(reward: e.reward, corrected: e.correction != nil) ?? true {
                nodes.values[node].buffer.append(BufferedFeedback(interaction: e.interaction, reward: e.reward))
            }
            if e.reward < 0 && !nodes.values[node].rejectedResponses.contains(interaction.response) {
                nodes.values[node].rejectedResponses.append(interaction.response)
            }
        case .triggerFired(let e):
            guard interactions.keys.contains(e.interaction) else { throw fail("trigger for interaction \(e.interaction), which does not exist") }
            if let judgement = e.judgement {
                try checkJudgement(e, judgement)
                trigger.judged.append(Trigger.Judged(interaction: e.interaction, fired: judgement.fired))
            } else {
                triggers += 1
            }
        case .triggerCalibrated(let e):
            guard trigger.calibration == nil else { throw fail("the trigger is calibrated twice") }
            let judged = trigger.judged.map(\.interaction)
            guard e.interactions == Array(judged.prefix(e.interactions.count)), !e.interactions.isEmpty else {
                throw fail("the trigger's calibration names interactions \(e.interactions), not the first ones judged (\(judged.prefix(e.interactions.count)))")
            }
            guard calibration(on: e.interactions) == e else {
                throw fail("the trigger's calibration on interactions \(e.interactions) does not follow from their signals (percentiles tampered with?)")
            }
            trigger.calibration = e
        case .bufferSampleAdded(let e):
            try addSample(e.interaction)
        case .clusterFormed, .clusterUpdated, .clustersMerged, .clusterDissolved, .adapterRetired:
            guard let expected = pending.first else {
                throw fail("\(event.typeName) follows no buffer round or LoRA search that makes it (\(event.interactionList))")
            }
            guard expected == event else {
                throw fail("\(event.typeName) does not follow from the buffer's round or the LoRA search: it records \(event.interactionList), they make "
                    + "\(expected.typeName) with \(expected.interactionList) (tampered with?)")
            }
            pending.removeFirst()
        case .adapterTrained(let e):
            try applySearch(e)
        case .adapterUpdated(let e):
            guard let node = nodes.index(forKey: e.node) else { throw fail("AdapterUpdated for node \(e.node), which does not exist") }
            nodes.values[node].adapterBlob = e.adapterBlob
            nodes.values[node].optimizerBlob = e.optimizerBlob
            nodes.values[node].adapterVersion += 1
            let trained = e.interactions
            nodes.values[node].buffer.removeAll { trained.contains($0.interaction) }
            updates += 1
        case .adapterImported(let e):
            guard let node = nodes[e.node] else { throw fail("AdapterImported for node \(e.node), which does not exist") }
            guard node.origin == e.origin else { throw fail("AdapterImported for node \(e.node) says interaction \(e.origin) created it, not \(node.origin)") }
            nodes[e.node]!.adapterBlob = e.adapterBlob
            nodes[e.node]!.adapterVersion += 1
        case .updateRejected(let e):
            guard nodes.keys.contains(e.node) else { throw fail("UpdateRejected for node \(e.node), which does not exist") }
            nodes[e.node]!.buffer.removeAll { e.interactions.contains($0.interaction) }
            rejectedUpdates += 1
        case .expertTrained, .expertPromoted, .expertRetired, .expertMixed:
            try applyExpert(event)
        case .passageSubmitted, .selfEditProposed, .selfEditScored, .selfEditChosen, .writerTrained:
            try applyKnowledge(event)
        case .branchCreated, .reverted, .snapshotTaken, .bisected, .historySigned:
            break  // facts about the history itself; the state they describe is unchanged
        }
    }
}
