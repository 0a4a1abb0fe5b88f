import Clustering
import GESAL

/// How SAGE's buffer grouped the answers the trigger fired on, against what each prompt was
/// (the demo's task families, which the buffer never sees: it clusters prompt embeddings).
public struct ClusterFigures: Sendable, Codable, Equatable {
    /// Answers that entered the buffer (one per prompt).
    public var samples: Int
    /// Clusters living at the end, and formed in all (merged and dissolved ones included).
    public var clusters: Int
    public var formed: Int
    /// Samples in no living cluster.
    public var unclustered: Int
    /// The adjusted Rand index of the samples' clusters (unclustered as one more label, as
    /// scikit-learn counts noise) against their task families; nil with fewer than two
    /// families among the samples.
    public var agreementWithTasks: Double?
    /// Per living cluster: its size and the share of its largest task family.
    public var purity: [Int: Double]

    /// The figures of `state`'s buffer; `task` names a prompt's family.
    public init(_ state: EngineState, task: (String) -> String) {
        let buffer = state.buffer
        samples = buffer.samples.count
        clusters = buffer.clusters.count
        formed = buffer.nextCluster - 1
        var label: [Int: Int] = [:]
        for id in buffer.clusters.keys.sorted(by: >) {
            for member in buffer.clusters[id]!.members { label[member] = id }  // the lowest id wins
        }
        unclustered = buffer.samples.count(where: { label[$0] == nil })
        let families = buffer.samples.map { task(state.interactions[$0]?.prompt ?? "") }
        let names = Array(Set(families)).sorted()
        // With one family (or one sample) any labeling agrees "fully": the index says nothing.
        agreementWithTasks = Set(families).count < 2 ? nil
            : try? adjustedRandIndex(buffer.samples.map { label[$0] ?? -1 }, families.map { names.firstIndex(of: $0)! })
        var purity: [Int: Double] = [:]
        for (id, cluster) in buffer.clusters {
            let counts = Dictionary(grouping: cluster.members, by: { task(state.interactions[$0]?.prompt ?? "") }).mapValues(\.count)
            purity[id] = Double(counts.values.max() ?? 0) / Double(cluster.members.count)
        }
        self.purity = purity
    }

    /// Lines for the demo's table.
    public var lines: [String] {
        let agreement = agreementWithTasks.map { String(format: "%.3f", $0) } ?? "- (the answers are of one task family)"
        var lines = ["buffer: \(samples) answers entered, \(clusters) clusters at the end (\(formed) formed in all), \(unclustered) unclustered; "
            + "ARI against the task families \(agreement)"]
        for (id, share) in purity.sorted(by: { $0.key < $1.key }) {
            lines.append("  cluster \(id): largest task family \(String(format: "%.0f", share * 100))% of its answers")
        }
        return lines
    }
}
