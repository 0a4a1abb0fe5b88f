import EventLog

/// How two branches differ: where their histories part, and what that changed in the state.
public struct BranchDiff: Sendable {
    /// The last sequence both branches share event for event (0: none).
    public var commonPrefix: UInt64
    public var hashes: (String, String)
    /// Human-readable differences, one per line; empty when the states are equal.
    public var lines: [String]

    public static func between(_ a: String, _ b: String, in store: any EventHistory) throws -> BranchDiff {
        let left = try store.events(branch: a), right = try store.events(branch: b)
        var common = 0
        while common < min(left.count, right.count), left[common].draft == right[common].draft { common += 1 }
        let x = try Replay.run(store, branch: a).state, y = try Replay.run(store, branch: b).state
        var lines: [String] = []
        for id in Set(x.interactions.keys).union(y.interactions.keys).sorted() {
            switch (x.interactions[id], y.interactions[id]) {
            case (let i?, nil): lines.append("interaction \(id) only in \(a): \(Audit.quote(i.prompt))")
            case (nil, let j?): lines.append("interaction \(id) only in \(b): \(Audit.quote(j.prompt))")
            case (let i?, let j?):
                if i.response != j.response { lines.append("interaction \(id) answered differently: \(Audit.quote(i.response)) vs \(Audit.quote(j.response))") }
                if i.rewards != j.rewards { lines.append("interaction \(id) rewards \(i.rewards) vs \(j.rewards)") }
                if i.node != j.node { lines.append("interaction \(id) routed to node \(i.node) vs \(j.node)") }
            default: break
            }
        }
        for id in Set(x.nodes.keys).union(y.nodes.keys).sorted() {
            switch (x.nodes[id], y.nodes[id]) {
            case (_?, nil): lines.append("node \(id) only in \(a)")
            case (nil, _?): lines.append("node \(id) only in \(b)")
            case (let m?, let n?):
                if m.adapterBlob != n.adapterBlob {
                    lines.append("node \(id) adapter \(m.adapterBlob?.prefix(12) ?? "none") (v\(m.adapterVersion)) vs \(n.adapterBlob?.prefix(12) ?? "none") (v\(n.adapterVersion))")
                }
                if m.centroid != n.centroid || m.count != n.count { lines.append("node \(id) centroid differs (\(m.count) vs \(n.count) prompts)") }
            default: break
            }
        }
        for id in Set(x.buffer.clusters.keys).union(y.buffer.clusters.keys).sorted() {
            switch (x.buffer.clusters[id], y.buffer.clusters[id]) {
            case (let c?, nil): lines.append("cluster \(id) only in \(a) (\(c.members.count) answers)")
            case (nil, let c?): lines.append("cluster \(id) only in \(b) (\(c.members.count) answers)")
            case (let c?, let d?) where c.members != d.members: lines.append("cluster \(id) holds \(c.members.count) answers vs \(d.members.count)")
            default: break
            }
        }
        for id in Set(x.pool.adapters.keys).union(y.pool.adapters.keys).sorted() where x.pool.adapters[id]?.blob != y.pool.adapters[id]?.blob {
            lines.append("cluster \(id)'s pool adapter \(x.pool.adapters[id]?.blob.prefix(12) ?? "none") vs \(y.pool.adapters[id]?.blob.prefix(12) ?? "none")")
        }
        return BranchDiff(commonPrefix: UInt64(common), hashes: (x.hash.hex, y.hash.hex), lines: lines)
    }
}
