import Clustering
import Tensor

extension EngineState {
    /// SAGE's buffer: the interactions the trigger fired on, the last rounds' clusterings of
    /// their prompts, and the clusters formed from them (docs/sage.md). Noise stays in the
    /// buffer for later rounds; nothing leaves it.
    public struct Buffer: Sendable, Equatable {
        public struct Cluster: Sendable, Equatable {
            public var id: Int
            /// Interactions, in the order they entered the buffer.
            public var members: [Int]
            public var centre: [Float]
            /// Consecutive rounds, up to this one, in which no cluster of the round held most of
            /// its members.
            public var missed = 0
        }

        /// Interactions, in the order they entered.
        public var samples: [Int] = []
        /// The labels of the last rounds (at most the store's `stableRounds`), oldest first;
        /// each labels the samples there were in its round.
        public var labelings: [[Int]] = []
        /// The formed clusters that have not ended.
        public var clusters: [Int: Cluster] = [:]
        /// The number the next formed cluster gets (1 for the first).
        public var nextCluster = 1

        public var isEmpty: Bool { samples.isEmpty }

        /// Whether an answer to `prompt` is in the buffer already. A prompt enters once: the
        /// buffer clusters kinds of mistake, and the same question failed again adds no kind
        /// (only a duplicate point, which would make a cluster of one question with itself).
        public func holds(prompt: String?, in interactions: [Int: Interaction]) -> Bool {
            samples.contains { interactions[$0]?.prompt == prompt }
        }

        /// The formed cluster whose centre is most like `embedding` (ties to the lower id).
        public func nearest(to embedding: [Float]) -> (cluster: Int, similarity: Float)? {
            var best: (cluster: Int, similarity: Float)?
            for id in clusters.keys.sorted() {
                let similarity = Ops.cosine(clusters[id]!.centre, embedding)
                if best.map({ similarity > $0.similarity }) ?? true { best = (id, similarity) }
            }
            return best
        }
    }
}

extension EngineState.Buffer {
    /// The buffer after `interaction` enters and one round runs, and the cluster events of the
    /// round. `points` are every sample's prompt embedding in entry order, the new one last.
    /// A pure function: the engine runs it to write the events, replay to check them.
    ///
    /// The round: HDBSCAN over all the points. A formed cluster lives on in the round's cluster
    /// that holds at least half its members (`ClusterUpdated` when the members changed); two
    /// or more living on in one merge (`ClustersMerged`); one that lives nowhere for
    /// `stableRounds` rounds dissolves. Formed clusters whose centres come within the merge
    /// cosine merge. A round's cluster that continues no formed one is a candidate, and forms
    /// when it has held for `stableRounds` rounds: traced back round by round through the
    /// cluster that held most of its points, each pair of rounds agreeing on those points
    /// (adjusted Rand index) and on the centre (cosine).
    func adding(_ interaction: Int, points: [[Float]], settings: BufferSettings) throws(EngineError) -> (buffer: Self, events: [DomainEvent]) {
        var next = self
        next.samples.append(interaction)
        precondition(points.count == next.samples.count, "a point per sample")
        let labels: [Int]
        if points.count < max(settings.minClusterSize, settings.minSamples) {
            labels = Array(repeating: -1, count: points.count)
        } else {
            do { labels = try HDBSCAN(minClusterSize: settings.minClusterSize, minSamples: settings.minSamples).labels(of: points) } catch {
                throw EngineError(.inconsistent, "the buffer's round after interaction \(interaction) cannot cluster: \(error)")
            }
        }
        next.labelings.append(labels)
        if next.labelings.count > settings.stableRounds { next.labelings.removeFirst(next.labelings.count - settings.stableRounds) }

        let round = Round(points: points, samples: next.samples, labels: labels)
        var events: [DomainEvent] = []
        func newCluster(_ positions: [Int]) -> Cluster {
            defer { next.nextCluster += 1 }
            return Cluster(id: next.nextCluster, members: round.members(positions), centre: round.centre(positions))
        }

        // Formed clusters live on in the round's clusters that hold most of their members.
        var owners: [Int: [Int]] = [:]
        var homeless: [Int] = []
        for id in clusters.keys.sorted() {
            if let label = round.home(of: clusters[id]!.members) { owners[label, default: []].append(id) } else { homeless.append(id) }
        }
        for label in owners.keys.sorted() {
            let ids = owners[label]!, positions = round.groups[label]!
            if ids.count == 1 {
                let members = round.members(positions)
                next.clusters[ids[0]]!.missed = 0
                guard next.clusters[ids[0]]!.members != members else { continue }
                let centre = round.centre(positions)
                next.clusters[ids[0]]!.members = members
                next.clusters[ids[0]]!.centre = centre
                events.append(.clusterUpdated(ClusterUpdated(cluster: ids[0], members: members, centre: Vector(centre))))
            } else {
                let merged = newCluster(positions)
                ids.forEach { next.clusters[$0] = nil }
                next.clusters[merged.id] = merged
                events.append(.clustersMerged(ClustersMerged(sources: ids, into: merged.id, members: merged.members, centre: Vector(merged.centre),
                                                             reason: .sameRoundCluster)))
            }
        }
        for id in homeless {
            next.clusters[id]!.missed += 1
            guard next.clusters[id]!.missed >= settings.stableRounds else { continue }
            next.clusters[id] = nil
            events.append(.clusterDissolved(ClusterDissolved(cluster: id, rounds: settings.stableRounds)))
        }
        // Formed clusters whose centres came close merge, the closest-numbered pair first.
        while let (a, b) = next.closePair(settings.mergeCosine) {
            let positions = round.positions(of: Set(next.clusters[a]!.members).union(next.clusters[b]!.members))
            let merged = newCluster(positions)
            next.clusters[a] = nil
            next.clusters[b] = nil
            next.clusters[merged.id] = merged
            events.append(.clustersMerged(ClustersMerged(sources: [a, b], into: merged.id, members: merged.members, centre: Vector(merged.centre),
                                                         reason: .closeCentres)))
        }
        // The round's other clusters are candidates; those that held form.
        for label in round.groups.keys.sorted() where owners[label] == nil {
            let positions = round.groups[label]!
            guard let (agreement, cosine) = round.stability(of: positions, over: next.labelings, settings: settings) else { continue }
            let formed = newCluster(positions)
            next.clusters[formed.id] = formed
            events.append(.clusterFormed(ClusterFormed(cluster: formed.id, members: formed.members, centre: Vector(formed.centre),
                                                       agreement: agreement, centreCosine: cosine, rounds: settings.stableRounds)))
        }
        return (next, events)
    }

    /// The first pair of formed clusters (by ids) whose centres reach `cosine`.
    private func closePair(_ cosine: Float) -> (Int, Int)? {
        let ids = clusters.keys.sorted()
        for (i, a) in ids.enumerated() {
            for b in ids[(i + 1)...] where Ops.cosine(clusters[a]!.centre, clusters[b]!.centre) >= cosine { return (a, b) }
        }
        return nil
    }
}

/// One round's clustering of the buffer, with positions (indices into the entry order) as
/// its working currency.
private struct Round {
    let points: [[Float]]
    let samples: [Int]
    let labels: [Int]
    /// Each cluster label's positions, in entry order.
    let groups: [Int: [Int]]
    let position: [Int: Int]

    init(points: [[Float]], samples: [Int], labels: [Int]) {
        self.points = points
        self.samples = samples
        self.labels = labels
        groups = Dictionary(grouping: labels.indices.filter { labels[$0] >= 0 }, by: { labels[$0] })
        position = Dictionary(uniqueKeysWithValues: samples.enumerated().map { ($1, $0) })
    }

    func members(_ positions: [Int]) -> [Int] { positions.map { samples[$0] } }

    func positions(of members: Set<Int>) -> [Int] { members.map { position[$0]! }.sorted() }

    /// The mean of the points at `positions`, summed in entry order.
    func centre(_ positions: [Int]) -> [Float] {
        var sum = [Float](repeating: 0, count: points[positions[0]].count)
        for p in positions {
            for i in sum.indices { sum[i] += points[p][i] }
        }
        return sum.map { $0 / Float(positions.count) }
    }

    /// The label of the round's cluster holding most of `members` (ties to the lower label),
    /// when it holds at least half of them.
    func home(of members: [Int]) -> Int? {
        let held = Self.mostHeld(positions(of: Set(members)), in: labels)
        return held.map { $0.count * 2 >= members.count } == true ? held!.label : nil
    }

    /// The cluster label (not noise) of `labeling` held by most of `positions`, and how many.
    static func mostHeld(_ positions: [Int], in labeling: [Int]) -> (label: Int, count: Int)? {
        var counts: [Int: Int] = [:]
        for p in positions where labeling[p] >= 0 { counts[labeling[p], default: 0] += 1 }
        return counts.min { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// Whether the cluster at `positions` held over the last `stableRounds` labelings, and
    /// then the lowest agreement and centre cosine between consecutive ones.
    func stability(of positions: [Int], over labelings: [[Int]], settings: BufferSettings) -> (agreement: Double, cosine: Float)? {
        guard labelings.count >= settings.stableRounds else { return nil }
        var current = positions
        var worst: (agreement: Double, cosine: Float) = (1, 1)
        for k in stride(from: labelings.count - 1, to: labelings.count - settings.stableRounds, by: -1) {
            let now = labelings[k], before = labelings[k - 1]
            let present = current.filter { $0 < before.count }
            guard let held = Self.mostHeld(present, in: before) else { return nil }
            let matched = before.indices.filter { before[$0] == held.label }
            let together = Set(present).union(matched).sorted()
            guard let agreement = try? adjustedRandIndex(together.map { now[$0] }, together.map { before[$0] }) else { return nil }
            let cosine = Ops.cosine(centre(current), centre(matched))
            guard agreement >= settings.minAgreement, cosine >= settings.minCentreCosine else { return nil }
            worst = (min(worst.agreement, agreement), min(worst.cosine, cosine))
            current = matched
        }
        return worst
    }
}
