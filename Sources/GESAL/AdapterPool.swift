import Tensor

extension EngineState {
    /// SAGE's LoRA store: the adapters kept for formed clusters, at most the store's pool size
    /// (docs/sage.md). Changed only by `AdapterTrained` and `AdapterRetired`; a later prompt
    /// within a pooled cluster's reach is answered with its adapter.
    public struct Pool: Sendable, Equatable {
        public struct Adapter: Sendable, Equatable {
            public var cluster: Int
            public var blob: String
            /// Exact-match and loss gains over the base model on the search's validation part.
            public var gain: Float
            public var lossGain: Float
            /// Answers given with it.
            public var routed = 0
        }

        /// By cluster.
        public var adapters: [Int: Adapter] = [:]
        /// By cluster: the labelled members its last search used.
        public var searched: [Int: Int] = [:]

        public var isEmpty: Bool { adapters.isEmpty && searched.isEmpty }

        /// The pooled adapter that retires when the pool is over `size`: the smallest gain,
        /// then the smallest loss gain, then the least routed, then the lowest cluster.
        func weakest() -> Adapter? {
            adapters.values.min { a, b in
                (a.gain, a.lossGain, a.routed, a.cluster) < (b.gain, b.lossGain, b.routed, b.cluster)
            }
        }
    }

    /// A member of a cluster that teaches something, and what: its correction, or its own
    /// answer when its latest reward was positive.
    public struct LabelledMember: Sendable, Equatable {
        public var interaction: Int
        public var target: String
    }

    /// The labelled members of `members`, in their order.
    public func labelled(_ members: [Int]) -> [LabelledMember] {
        members.compactMap { id in
            guard let interaction = interactions[id] else { return nil }
            if let correction = interaction.correction { return LabelledMember(interaction: id, target: correction) }
            if let reward = interaction.rewards.last, reward > 0 { return LabelledMember(interaction: id, target: interaction.response) }
            return nil
        }
    }

    /// A search's split of labelled members (in entry order): every third to validation, and
    /// the last when that leaves none, so no member scores a candidate it trained on.
    public static func split(_ labelled: [Int]) -> (training: [Int], validation: [Int]) {
        var training: [Int] = [], validation: [Int] = []
        for (index, id) in labelled.enumerated() {
            if index % 3 == 2 { validation.append(id) } else { training.append(id) }
        }
        if validation.isEmpty, let last = training.popLast() { validation.append(last) }
        return (training, validation)
    }

    /// The formed clusters a search is due for, in order: those with at least `minLabelled`
    /// labelled members and at least twice as many as their last search used. Doubling keeps
    /// the searches of a growing cluster to a logarithm of its size, and their cost to a
    /// small multiple of the last one's (a search trains on every labelled member).
    public var searchesDue: [Int] {
        guard let settings = creation?.event.config.loraStore else { return [] }
        return buffer.clusters.keys.sorted().filter { id in
            labelled(buffer.clusters[id]!.members).count >= max(settings.minLabelled, 2 * (pool.searched[id] ?? 0))
        }
    }

    /// The pooled cluster adapter a prompt with `embedding` is answered with: among the
    /// clusters with an adapter whose reach it is within, the one whose centre is most like it
    /// (ties to the lower id).
    ///
    /// Within reach means its nearest member is at least as like it as the cluster's weakest
    /// link: the lowest, over members, of a member's cosine to its nearest other member. That
    /// is single linkage, how HDBSCAN with `min_samples` 1 grows a cluster, so a prompt within
    /// reach is one the buffer could have clustered there. (A centre-based reach, the farthest
    /// member's cosine to the centre, shut out every new prompt of a small cluster: each
    /// member is a third of a three-member centre. docs/sage.md has the figures.)
    public func clusterAdapter(for embedding: [Float]) -> ClusterAdapterUse? {
        var best: ClusterAdapterUse?
        for id in pool.adapters.keys.sorted() {
            guard let cluster = buffer.clusters[id] else { continue }
            let points = cluster.members.map { interactions[$0]?.embedding ?? [] }
            let nearest = points.map { Ops.cosine(embedding, $0) }.max() ?? -1
            let similarity = Ops.cosine(embedding, cluster.centre)
            guard nearest >= Self.weakestLink(points), best.map({ similarity > $0.similarity }) ?? true else { continue }
            best = ClusterAdapterUse(cluster: id, adapter: pool.adapters[id]!.blob, similarity: similarity)
        }
        return best
    }

    /// The lowest, over `points`, of a point's cosine to its nearest other point (1 for fewer
    /// than two points).
    static func weakestLink(_ points: [[Float]]) -> Float {
        var weakest: Float = 1
        for (i, point) in points.enumerated() where points.count > 1 {
            let nearest = points.indices.filter { $0 != i }.map { Ops.cosine(point, points[$0]) }.max()!
            weakest = min(weakest, nearest)
        }
        return weakest
    }

    /// Folds a search: checks it searched what the store's rules say, and keeps its adapter.
    /// The retirements it causes become the pending events the record must hold next.
    mutating func applySearch(_ e: AdapterTrained) throws(EngineError) {
        func fail(_ what: String) -> EngineError { EngineError(.inconsistent, "the LoRA search of cluster \(e.cluster) \(what)") }
        guard let settings = creation?.event.config.loraStore, let storeSeed = creation?.event.seed else { throw fail("is in a store made without a LoRA store") }
        guard let cluster = buffer.clusters[e.cluster] else { throw fail("names a cluster that is not formed") }
        let labelled = labelled(cluster.members).map(\.interaction)
        guard searchesDue.contains(e.cluster) else {
            throw fail("is not due: the cluster has \(labelled.count) labelled members, its last search used \(pool.searched[e.cluster] ?? 0)")
        }
        let split = Self.split(labelled)
        guard e.training == split.training, e.validation == split.validation else {
            throw fail("trains on \(e.training) and scores on \(e.validation), where its labelled members \(labelled) split into \(split.training) and \(split.validation)")
        }
        guard e.targets == settings.targets, e.candidates.map(\.settings) == settings.candidates else { throw fail("does not search the store's grid") }
        for candidate in e.candidates where candidate.seed != LoRAStoreSettings.seed(store: storeSeed, cluster: e.cluster, labelled: labelled.count,
                                                                                     candidate: candidate.settings) {
            throw fail("gives a candidate seed \(candidate.seed), not the one the store's seed derives")
        }
        guard e.base.answers.count == e.validation.count, e.candidates.allSatisfy({ $0.score.answers.count == e.validation.count }) else {
            throw fail("scores a number of answers other than its \(e.validation.count) validation prompts")
        }
        guard e.chosen == AdapterTrained.choice(base: e.base, candidates: e.candidates) else {
            throw fail("keeps candidate \(e.chosen.map(String.init) ?? "none") where its figures choose \(AdapterTrained.choice(base: e.base, candidates: e.candidates).map(String.init) ?? "none") (tampered with?)")
        }
        pool.searched[e.cluster] = labelled.count
        guard let chosen = e.chosen else { return }
        if let old = pool.adapters[e.cluster] { pending.append(.adapterRetired(AdapterRetired(cluster: e.cluster, adapter: old.blob, reason: .replaced))) }
        let score = e.candidates[chosen].score
        pool.adapters[e.cluster] = Pool.Adapter(cluster: e.cluster, blob: e.candidates[chosen].adapter, gain: score.exactMatch - e.base.exactMatch,
                                                lossGain: e.base.loss - score.loss)
        if pool.adapters.count > settings.poolSize, let weakest = pool.weakest() {
            pool.adapters[weakest.cluster] = nil
            pending.append(.adapterRetired(AdapterRetired(cluster: weakest.cluster, adapter: weakest.blob, reason: .poolFull)))
        }
    }

    /// The pool adapters of clusters a round's `events` ended retire with them.
    mutating func retireEnded(by events: [DomainEvent]) -> [DomainEvent] {
        var retired: [DomainEvent] = []
        for event in events {
            let ended: [Int]
            switch event {
            case .clustersMerged(let e): ended = e.sources
            case .clusterDissolved(let e): ended = [e.cluster]
            default: ended = []
            }
            for id in ended {
                if let adapter = pool.adapters.removeValue(forKey: id) {
                    retired.append(.adapterRetired(AdapterRetired(cluster: id, adapter: adapter.blob, reason: .clusterEnded)))
                }
                pool.searched[id] = nil
            }
        }
        return retired
    }
}
