import GESAL

/// What SAGE's LoRA store did in a run: its searches, the adapters kept and retired, and the
/// pool at the end, each adapter with its cluster's largest task family (which the store
/// never sees) and how many answers it gave.
public struct PoolFigures: Sendable, Codable, Equatable {
    public struct Adapter: Sendable, Codable, Equatable {
        public var cluster: Int
        public var blob: String
        public var members: Int
        /// The largest task family among the cluster's members, and its share.
        public var family: String
        public var purity: Double
        /// Exact-match gain over the base model on its search's validation part.
        public var gain: Float
        public var routed: Int
    }

    public var searches: Int
    /// Searches that kept an adapter.
    public var kept: Int
    public var retired: Int
    public var poolSize: Int
    public var adapters: [Adapter]

    /// The figures of `state`'s pool and the search events among `events`; `task` names a
    /// prompt's family.
    public init(_ state: EngineState, events: [DomainEvent], task: (String) -> String) {
        var searches = 0, kept = 0, retired = 0
        for event in events {
            switch event {
            case .adapterTrained(let e):
                searches += 1
                if e.chosen != nil { kept += 1 }
            case .adapterRetired: retired += 1
            default: break
            }
        }
        (self.searches, self.kept, self.retired) = (searches, kept, retired)
        poolSize = state.pool.adapters.count
        adapters = state.pool.adapters.keys.sorted().map { id in
            let adapter = state.pool.adapters[id]!, members = state.buffer.clusters[id]?.members ?? []
            let families = Dictionary(grouping: members, by: { task(state.interactions[$0]?.prompt ?? "") }).mapValues(\.count)
            let largest = families.max { ($0.value, $1.key) < ($1.value, $0.key) }
            return Adapter(cluster: id, blob: adapter.blob, members: members.count, family: largest?.key ?? "-",
                           purity: members.isEmpty ? 0 : Double(largest?.value ?? 0) / Double(members.count), gain: adapter.gain, routed: adapter.routed)
        }
    }

    /// Lines for the demo's table.
    public var lines: [String] {
        ["LoRA store: \(searches) searches, \(kept) kept an adapter, \(retired) retired; \(poolSize) adapters in the pool at the end"]
            + adapters.map { a in
                "  cluster \(a.cluster) (\(a.members) answers, \(Int((a.purity * 100).rounded()))% \(a.family)): adapter \(a.blob.prefix(12)), "
                    + "exact match +\(Audit.format(a.gain)) on validation, \(a.routed) answers given with it"
            }
    }
}
