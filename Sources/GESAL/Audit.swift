import EventLog

/// The causal chain of a node, an adapter or an interaction: the events that created and
/// changed it, in log order, each told with its prompt, reward, similarity or loss.
public enum Audit {
    public enum Subject: Sendable, Equatable {
        case node(Int)
        /// An adapter blob, by its hash or a prefix of it (at least 6 hex digits).
        case adapter(String)
        case interaction(Int)
        /// A cluster of SAGE's buffer: its events and its members' interactions.
        case cluster(Int)
        /// An expert of Transformer²'s library, by name.
        case expert(String)
    }

    public struct Entry: Sendable, Equatable {
        public var sequence: UInt64
        public var timeNanos: Int64
        public var type: String
        public var text: String
    }

    public static func trace(_ subject: Subject, in store: any EventHistory, branch: String = "main") throws -> [Entry] {
        if case .node(let node) = subject { return try trace(node: node, in: store, branch: branch) }
        let events = try store.events(branch: branch)
        let facts = try events.map { try DomainEvent($0) }
        var interactions: [Int: InteractionRecorded] = [:]
        for case .interactionRecorded(let e) in facts { interactions[e.interaction] = e }

        let nodeOf: (Int) -> Int? = { interactions[$0]?.node }
        let keep: (DomainEvent) -> Bool
        var last = UInt64.max
        switch subject {
        case .node:
            preconditionFailure("a node's audit streams (trace(node:in:branch:))")
        case .adapter(let prefix):
            let origin = try adapterOrigin(prefix, among: zip(events, facts).map { ($0.sequence, $1) }, branch: branch)
            switch origin.owner {
            case .expert(let name):
                keep = { about(expert: name, $0) }
            case .passage(let passage):
                // A knowledge adapter trains from the one before it: every passage up to its own.
                keep = { fact in fact.passage.map { $0 <= passage } ?? false }
            case .node(let node):
                last = origin.sequence
                keep = { about(node: node, $0, nodeOf) }
            case .cluster(let cluster):
                // adapter -> its search -> the cluster -> its members' interactions, triggers and
                // feedback; then the answers it gave and its retirement.
                let members = Set(facts.filter { $0.clusters.contains(cluster) }.flatMap(\.clusterMembers))
                keep = { fact in
                    switch fact {
                    case .interactionRecorded(let e): members.contains(e.interaction) || e.clusterAdapter?.adapter == origin.blob
                    case .feedbackRecorded, .triggerFired, .bufferSampleAdded: members.contains(fact.interaction ?? -1)
                    case .adapterRetired(let e): e.adapter == origin.blob
                    default: fact.clusters.contains(cluster)
                    }
                }
            }
        case .interaction(let interaction):
            guard interactions[interaction] != nil else {
                throw EngineError(.invalidRequest, "no interaction \(interaction) on branch '\(branch)'")
            }
            keep = { fact in
                switch fact {
                case .adapterUpdated(let e): e.interactions.contains(interaction)
                case .updateRejected(let e): e.interactions.contains(interaction)
                default: fact.interaction == interaction
                }
            }
        case .expert(let name):
            guard facts.contains(where: { about(expert: name, $0) }) else {
                throw EngineError(.invalidRequest, "no expert '\(name)' on branch '\(branch)' (see `gesal expert list`)")
            }
            keep = { about(expert: name, $0) }
        case .cluster(let cluster):
            let own = facts.filter { $0.clusters.contains(cluster) }
            guard !own.isEmpty else { throw EngineError(.invalidRequest, "no cluster \(cluster) on branch '\(branch)' (see `gesal-log clusters`)") }
            let members = Set(own.flatMap(\.clusterMembers))
            keep = { fact in
                switch fact {
                case .interactionRecorded, .feedbackRecorded, .triggerFired, .bufferSampleAdded: members.contains(fact.interaction ?? -1)
                default: fact.clusters.contains(cluster)
                }
            }
        }
        return zip(events, facts).compactMap { event, fact in
            guard event.sequence <= last, keep(fact) else { return nil }
            return Entry(sequence: event.sequence, timeNanos: event.timeNanos, type: event.type, text: describe(fact, interactions))
        }
    }

    /// A node's chain in one pass that decodes only what may be about it: a binary payload
    /// names its node or interaction first (`BinaryPayload.subject`), so the other nodes'
    /// interactions, feedback and updates are passed over unread. The texts are written at the
    /// end, when every prompt of the node is known (a node is created before its interaction).
    static func trace(node: Int, in store: any EventHistory, branch: String) throws -> [Entry] {
        var interactions: [Int: InteractionRecorded] = [:]
        var kept: [(event: Event, fact: DomainEvent)] = []
        var created = false
        try store.forEachEvent(branch: branch) { event in
            if let subject = BinaryPayload.subject(of: event) {
                if let named = subject.node, named != node { return }
                if subject.node == nil, let interaction = subject.interaction, interactions[interaction] == nil { return }
            }
            let fact = try DomainEvent(event)
            switch fact {
            case .interactionRecorded(let e) where e.node == node: interactions[e.interaction] = e
            case .nodeCreated(let e) where e.node == node: created = true
            default: break
            }
            if about(node: node, fact, { interactions[$0]?.node }) { kept.append((event, fact)) }
        }
        guard created else { throw EngineError(.invalidRequest, "no node \(node) on branch '\(branch)'") }
        return kept.map { Entry(sequence: $0.event.sequence, timeNanos: $0.event.timeNanos, type: $0.event.type, text: describe($0.fact, interactions)) }
    }

    /// Where an adapter came from: the event that wrote it, and its node and blob.
    public struct AdapterOrigin: Sendable, Equatable {
        /// A node's adapter (learned or imported), a cluster's from SAGE's pool, or an expert's.
        public enum Owner: Sendable, Equatable {
            case node(Int)
            case cluster(Int)
            case expert(String)
            /// SEAL's: a candidate trained for this passage (the kept one is the knowledge adapter),
            /// or the self-edit writer trained on kept edits up to it.
            case passage(Int)
        }
        public var sequence: UInt64
        public var owner: Owner
        public var blob: String
    }

    /// The first event (a learning step or an import) that wrote the adapter `prefix` (6 or
    /// more hex digits of its blob hash) names, among a branch's `facts`.
    public static func adapterOrigin(_ prefix: String, among facts: [(sequence: UInt64, fact: DomainEvent)],
                                     branch: String) throws(EngineError) -> AdapterOrigin {
        let lowered = prefix.lowercased()
        guard lowered.count >= 6, lowered.allSatisfy(\.isHexDigit) else {
            throw EngineError(.invalidRequest, "'\(prefix)' is not an adapter id (at least 6 hex digits of its blob hash)")
        }
        let matches = facts.compactMap { sequence, fact -> AdapterOrigin? in
            switch fact {
            case .adapterUpdated(let e) where e.adapterBlob.hasPrefix(lowered): AdapterOrigin(sequence: sequence, owner: .node(e.node), blob: e.adapterBlob)
            case .adapterImported(let e) where e.adapterBlob.hasPrefix(lowered): AdapterOrigin(sequence: sequence, owner: .node(e.node), blob: e.adapterBlob)
            case .adapterTrained(let e) where e.adapter?.hasPrefix(lowered) == true: AdapterOrigin(sequence: sequence, owner: .cluster(e.cluster), blob: e.adapter!)
            case .expertTrained(let e) where e.adapter.hasPrefix(lowered): AdapterOrigin(sequence: sequence, owner: .expert(e.name), blob: e.adapter)
            case .expertMixed(let e) where e.adapter.hasPrefix(lowered): AdapterOrigin(sequence: sequence, owner: .expert(e.name), blob: e.adapter)
            case .selfEditScored(let e) where e.adapter.hasPrefix(lowered): AdapterOrigin(sequence: sequence, owner: .passage(e.passage), blob: e.adapter)
            case .writerTrained(let e) where e.adapter.hasPrefix(lowered): AdapterOrigin(sequence: sequence, owner: .passage(fact.passage ?? 0), blob: e.adapter)
            default: nil
            }
        }
        guard let first = matches.first else {
            throw EngineError(.invalidRequest, "no adapter \(prefix) on branch '\(branch)' (see `gesal-log audit node N` for a node's adapters, `gesal-log clusters` for the pool's)")
        }
        guard Set(matches.map(\.blob)).count == 1 else {
            throw EngineError(.invalidRequest, "adapter prefix \(prefix) is ambiguous; give more digits")
        }
        return first
    }

    /// Whether `fact` trains, promotes or retires the expert `name`.
    static func about(expert name: String, _ fact: DomainEvent) -> Bool {
        switch fact {
        case .expertTrained(let e): e.name == name
        case .expertPromoted(let e): e.name == name
        case .expertRetired(let e): e.name == name
        case .expertMixed(let e): e.name == name
        default: false
        }
    }

    static func about(node: Int, _ fact: DomainEvent, _ nodeOf: (Int) -> Int?) -> Bool {
        switch fact {
        case .nodeCreated(let e): e.node == node
        case .nodeUpdated(let e): e.node == node
        case .interactionRecorded(let e): e.node == node
        case .feedbackRecorded(let e): nodeOf(e.interaction) == node
        case .triggerFired(let e): nodeOf(e.interaction) == node
        case .adapterUpdated(let e): e.node == node
        case .adapterImported(let e): e.node == node
        case .updateRejected(let e): e.node == node
        default: false
        }
    }

    /// One line for a person: what happened, with the numbers that explain it.
    public static func describe(_ fact: DomainEvent, _ interactions: [Int: InteractionRecorded]) -> String {
        func prompt(_ id: Int) -> String { interactions[id].map { quote($0.prompt) } ?? "?" }
        switch fact {
        case .storeCreated(let e): return "store created: model \(e.model), embedder \(e.embedder), threshold \(e.config.similarityThreshold)"
        case .nodeCreated(let e):
            let nearest = e.nearest.map { "nearest was node \($0) at similarity \(format(e.similarity ?? 0))" } ?? "the first node"
            return "node \(e.node) created by interaction \(e.interaction) \(prompt(e.interaction)) (\(nearest))"
        case .nodeUpdated(let e): return "node \(e.node) joined by interaction \(e.interaction) \(prompt(e.interaction)) (now \(e.count) prompts)"
        case .interactionRecorded(let e):
            let adapter = e.adapter.map { "adapter \($0.prefix(12))" } ?? "base model"
            let cluster = e.clusterAdapter.map { ", cluster \($0.cluster)'s adapter \($0.adapter.prefix(12)) at similarity \(format($0.similarity))" } ?? ""
                + (e.knowledge.map { ", knowledge adapter \($0.prefix(12))" } ?? "")
            return "interaction \(e.interaction) on node \(e.node) (similarity \(format(e.similarity)), \(adapter)\(cluster)): \(quote(e.prompt)) -> \(quote(e.response))"
                + (e.request.map { ", asked with " + describe($0) } ?? "")
        case .feedbackRecorded(let e):
            return "feedback \(e.reward > 0 ? "+" : "")\(format(e.reward)) from \(e.source) on interaction \(e.interaction) \(prompt(e.interaction))"
                + (e.correction.map { ", correction \(quote($0))" } ?? "")
        case .triggerFired(let e) where e.judgement != nil:
            let judgement = e.judgement!
            let verdict = switch judgement.cause {
            case .negativeFeedback: "fired (negative feedback)"
            case .score: "fired (score \(format(judgement.score ?? 0)) >= \(format(e.threshold)))"
            case .none: judgement.score.map { "did not fire (score \(format($0)) < \(format(e.threshold)))" } ?? "did not fire (nothing to score yet)"
            }
            return "trigger on interaction \(e.interaction) \(verdict): " + e.scores.sorted { $0.key < $1.key }.map { "\($0.key) \(format($0.value))" }.joined(separator: ", ")
        case .triggerCalibrated(let e):
            return "trigger calibrated on interactions \(e.interactions.first ?? 0) to \(e.interactions.last ?? 0) (\(e.interactions.count)): medians "
                + e.quantiles.sorted { $0.key < $1.key }.map { "\($0.key) \(format($0.value[$0.value.count / 2]))" }.joined(separator: ", ")
        case .triggerFired(let e):
            return "trigger on interaction \(e.interaction): " + e.scores.sorted { $0.key < $1.key }.map { "\($0.key) \(format($0.value))" }.joined(separator: ", ")
                + " (threshold \(format(e.threshold)))"
        case .bufferSampleAdded(let e): return "interaction \(e.interaction) \(prompt(e.interaction)) entered the buffer"
        case .clusterFormed(let e):
            return "cluster \(e.cluster) formed of interactions \(list(e.members)) (held \(e.rounds) rounds: agreement \(format(Float(e.agreement))), "
                + "centre cosine \(format(e.centreCosine)))"
        case .clusterUpdated(let e): return "cluster \(e.cluster) now holds interactions \(list(e.members))"
        case .clustersMerged(let e):
            let why = e.reason == .closeCentres ? "their centres came close" : "one round's cluster held most of each"
            return "clusters \(list(e.sources)) merged into cluster \(e.into) of interactions \(list(e.members)) (\(why))"
        case .clusterDissolved(let e): return "cluster \(e.cluster) dissolved: no round held most of its members for \(e.rounds) rounds"
        case .adapterTrained(let e):
            func score(_ s: AdapterTrained.Score) -> String { "exact match \(format(s.exactMatch)), loss \(format(s.loss))" }
            let candidates = e.candidates.enumerated().map { index, c in
                "#\(index) rank \(c.settings.rank) lr \(c.settings.learningRate) \(c.settings.epochs) epochs: \(score(c.score))"
            }.joined(separator: "; ")
            let kept = e.chosen.map { "kept #\($0), adapter \(e.candidates[$0].adapter.prefix(12))" } ?? "kept none (no candidate beat the base model)"
            return "cluster \(e.cluster) LoRA search on interactions \(list(e.training)) (scored on \(list(e.validation))): base model \(score(e.base)); "
                + "\(candidates); \(kept)"
        case .adapterRetired(let e):
            let why = switch e.reason {
            case .clusterEnded: "its cluster ended"
            case .replaced: "a later search of its cluster replaced it"
            case .poolFull: "the pool was full and it gained least"
            }
            return "cluster \(e.cluster)'s adapter \(e.adapter.prefix(12)) retired: \(why)"
        case .adapterUpdated(let e):
            return "node \(e.node) adapter -> \(e.adapterBlob.prefix(12)) by \(e.method), loss \(format(e.loss)), from interactions \(e.interactions.map(String.init).joined(separator: ", "))"
        case .adapterImported(let e):
            let files = e.files.sorted { $0.key < $1.key }.map { "\($0.key) sha256 \($0.value.prefix(12))" }.joined(separator: ", ")
            return "node \(e.node) adapter -> \(e.adapterBlob.prefix(12)) by importing a \(e.format) LoRA (rank \(e.rank), \(e.sites.count) matrices"
                + (e.baseModel.map { ", trained on \(quote($0))" } ?? "") + "; \(files))"
        case .updateRejected(let e):
            return "node \(e.node) update rejected: \(e.reason) (interactions \(e.interactions.map(String.init).joined(separator: ", ")))"
        case .branchCreated(let e): return "branch \(e.branch) created from \(e.from) at \(e.at)"
        case .reverted(let e): return "re-run without events \(e.excluded.map(String.init).joined(separator: ", ")): \(e.reason)"
        case .snapshotTaken(let e): return "snapshot of sequence \(e.sequence), state \(e.stateHash.prefix(12))"
        case .bisected(let e):
            return "bisect of \(e.branch) \(e.good)..\(e.bad) with \(e.test): first bad after event \(e.culprit) (\(e.steps.count) evaluations), "
                + "re-run without \(e.excluded.map(String.init).joined(separator: ", "))"
        case .expertTrained(let e):
            let s = e.settings
            let curve = e.curve.map { "\(format($0.accuracy)) at step \($0.step)" }.joined(separator: ", ")
            return "expert \(e.name) trained on \(s.task) (\(e.training.count) training and \(e.validation.count) validation items of \(s.items), "
                + "seed \(s.itemSeed)) by \(s.objective.rawValue), \(s.composition) SVF on \(e.targets.joined(separator: "/")): \(s.steps) steps of \(s.batch) prompts, "
                + "learning rate \(format(s.learningRate)), KL weight \(format(s.klWeight)), at most \(s.maxTokens) tokens, seed \(s.seed); "
                + "validation accuracy \(curve); kept step \(e.curve[e.kept].step), adapter \(e.adapter.prefix(12))"
        case .expertPromoted(let e):
            return "node \(e.node)'s adapter \(e.adapter.prefix(12)) promoted to expert \(e.name)"
        case .expertRetired(let e):
            return "expert \(e.name) retired: \(e.reason)"
        case .expertMixed(let e):
            let s = e.settings
            let mix = zip(e.experts, e.expertWeights(e.alpha)).map { "\($0) \(format($1))" }.joined(separator: ", ")
            let curve = e.generations.enumerated().map { "\($0.offset + 1): best \(format($0.element.bestFitness.accuracy)), mean \(format($0.element.meanAccuracy))" }
            return "expert \(e.name) mixed for \(s.task) by CEM \(s.perMatrix ? "per matrix" : "per expert") on \(s.shots) shots (population \(s.population), \(s.elites) elites, \(s.generations) generations, "
                + "seed \(s.seed)): \(e.weightsTitle) \(mix); shot accuracy by generation \(curve.joined(separator: "; ")); kept accuracy \(format(e.fitness.accuracy)), adapter \(e.adapter.prefix(12))"
        case .passageSubmitted(let e):
            return "passage \(e.passage) \(quote(e.title)) submitted to learn (\(e.text.utf8.count) bytes, \(e.questions.count) quiz questions by the \(e.questionsBy))"
        case .selfEditProposed(let e):
            return "self-edit \(e.candidate) of passage \(e.passage) proposed (\(e.style), temperature \(format(e.temperature)), seed \(e.seed)): \(quote(e.text))"
        case .selfEditScored(let e):
            let what = e.candidate == 0 ? "the passage alone" : "self-edit \(e.candidate)"
            return "\(what) of passage \(e.passage) trained (LoRA rank \(e.training.rank), \(e.training.epochs) epochs on \(e.sequences) sequences, loss \(format(e.trainingLoss)), "
                + "from \(e.from.map { "adapter \($0.prefix(12))" } ?? "a fresh LoRA")): quiz exact match \(format(e.exactMatch)), contains the answer \(format(e.containsAnswer)), F1 \(format(e.f1)), adapter \(e.adapter.prefix(12))"
        case .selfEditChosen(let e):
            return "passage \(e.passage) learned with candidate \(e.candidate) (\(e.beatsPassage ? "beats" : "does not beat") the passage alone): knowledge adapter \(e.adapter.prefix(12))"
        case .writerTrained(let e):
            return "self-edit writer round \(e.round) trained (LoRA rank \(e.training.rank), \(e.training.epochs) epochs, loss \(format(e.trainingLoss))) on the kept edits "
                + e.edits.map { "\($0.passage).\($0.candidate)" }.joined(separator: ", ") + ": writer adapter \(e.adapter.prefix(12))"
        case .historySigned(let e):
            return "history through \(e.sequence) signed by key \(HistoryPublicKey(hex: e.publicKey)?.fingerprint ?? "?") (record hash \(e.recordHash.prefix(12)))"
        }
    }

    /// What a request asked beyond the prompt, in words.
    static func describe(_ request: AnswerRequest) -> String {
        var parts: [String] = []
        if let system = request.system { parts.append("system \(quote(system))") }
        if let turns = request.turns { parts.append("\(turns.count) earlier turn\(turns.count == 1 ? "" : "s") (last: \(turns.last!.role) \(quote(turns.last!.content)))") }
        if let temperature = request.temperature { parts.append("temperature \(format(temperature))") }
        if let topP = request.topP { parts.append("top-p \(format(topP))") }
        if let seed = request.seed { parts.append("seed \(seed)") }
        if let maxTokens = request.maxTokens { parts.append("at most \(maxTokens) tokens") }
        if let stop = request.stop { parts.append("stop at " + stop.map(quote).joined(separator: " or ")) }
        return parts.joined(separator: ", ")
    }

    public static func list(_ ids: [Int]) -> String { ids.map(String.init).joined(separator: ", ") }

    public static func quote(_ text: String) -> String {
        let line = text.replacingOccurrences(of: "\n", with: " ")
        return "\"" + (line.count > 60 ? line.prefix(57) + "..." : line) + "\""
    }

    public static func format(_ value: Float) -> String {
        let rounded = (Double(value) * 1000).rounded() / 1000
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
