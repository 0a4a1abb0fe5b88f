import EventLog
import Foundation
import GESAL

/// Fills the SQLite read model from a branch of the log: every table is cleared and refilled
/// in one transaction, so a reader sees the old index or the new one, never half of each.
public enum ReadModelIndex {
    public struct Counts: Sendable, Equatable {
        public var events = 0, interactions = 0, feedback = 0, nodes = 0, edges = 0, adapters = 0, triggers = 0, bufferSamples = 0, clusters = 0,
                   searches = 0
    }

    /// Cosine similarity at or above which two nodes get a 'similar' edge.
    public static let edgeThreshold: Float = 0.5

    public static func rebuild(_ database: SQLiteDatabase, from store: any EventHistory, branch: String = "main",
                               progress: (Int, Int) -> Void = { _, _ in }) throws -> Counts {
        try Migrator.standard.migrate(database)
        let events = try store.events(branch: branch)
        var counts = Counts()
        try database.execute("BEGIN IMMEDIATE")
        do {
            for table in ["lora_candidates", "lora_searches", "cluster_members", "clusters", "buffer_samples", "triggers", "lineage", "adapters", "edges", "nodes", "feedback", "interactions", "events", "meta"] {
                try database.execute("DELETE FROM \(table)")
            }
            let insertEvent = try database.prepare("INSERT INTO events (sequence, time, type, interaction, node) VALUES (?, ?, ?, ?, ?)")
            let insertInteraction = try database.prepare("""
                INSERT INTO interactions (id, sequence, prompt, response, node, similarity, adapter, temperature, seed, prompt_tokens, response_tokens,
                                          request, first_token_margin, mean_entropy, mean_log_probability, nearest_node, nearest_cluster,
                                          adapter_cluster, cluster_adapter)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let insertSearch = try database.prepare("""
                INSERT INTO lora_searches (sequence, cluster, training, validation, base_exact_match, base_loss, chosen, adapter)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let insertCandidate = try database.prepare("""
                INSERT INTO lora_candidates (search, position, rank, alpha, learning_rate, epochs, seed, training_loss, exact_match, loss, adapter)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let retireAdapter = try database.prepare("UPDATE lora_searches SET retired_sequence = ?, retired = ? WHERE adapter = ? AND retired IS NULL")
            let insertTrigger = try database.prepare("""
                INSERT INTO triggers (sequence, interaction, fired, cause, score, threshold, signals, badness) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let insertFeedback = try database.prepare("INSERT INTO feedback (sequence, interaction, reward, source, correction) VALUES (?, ?, ?, ?, ?)")
            let insertAdapter = try database.prepare("""
                INSERT INTO adapters (sequence, node, version, status, blob, optimizer_blob, previous_blob, method, loss, reason)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let insertLineage = try database.prepare("INSERT INTO lineage (adapter_sequence, position, interaction, reward) VALUES (?, ?, ?, ?)")
            let insertSample = try database.prepare("INSERT INTO buffer_samples (sequence, interaction) VALUES (?, ?)")
            let insertCluster = try database.prepare("""
                INSERT INTO clusters (id, formed_sequence, origin, agreement, centre_cosine) VALUES (?, ?, ?, ?, ?)
                """)
            let endCluster = try database.prepare("UPDATE clusters SET ended_sequence = ?, ended = ?, merged_into = ? WHERE id = ?")
            /// Each cluster's members, last as the log gave them (written at the end).
            var members: [Int: [Int]] = [:]
            var state = EngineState()
            for (index, event) in events.enumerated() {
                let fact = try DomainEvent(event)
                let before = state
                try state.apply(fact)
                let time = isoTime(nanos: event.timeNanos)
                let sequence = SQLiteValue.integer(Int64(event.sequence))
                // The feedback a learning step (accepted or rejected) used: the node's buffer before it.
                func lineage(of node: Int) throws {
                    for (position, feedback) in before.nodes[node]!.buffer.enumerated() {
                        try insertLineage.run([sequence, .int(position), .int(feedback.interaction), .float(feedback.reward)])
                    }
                }
                try insertEvent.run([sequence, .text(time), .text(event.type), fact.interaction.map(SQLiteValue.int),
                                     (fact.node ?? fact.interaction.flatMap { state.interactions[$0]?.node }).map(SQLiteValue.int)])
                counts.events += 1
                switch fact {
                case .interactionRecorded(let e):
                    try insertInteraction.run([.int(e.interaction), sequence, .text(e.prompt), .text(e.response), .int(e.node), .float(e.similarity),
                                               e.adapter.map(SQLiteValue.text), .float(e.sampling.temperature), .integer(Int64(bitPattern: e.sampling.seed)),
                                               .int(e.promptTokens), .int(e.responseTokens), try e.request.map { .text(try canonicalJSON($0)) },
                                               e.signals.map { .float($0.firstTokenMargin) }, e.signals.map { .float($0.meanEntropy) },
                                               e.signals.map { .float($0.meanLogProbability) }, e.signals?.nearestNode.map(SQLiteValue.float),
                                               e.signals?.nearestCluster.map(SQLiteValue.float), e.clusterAdapter.map { .int($0.cluster) },
                                               e.clusterAdapter.map { .text($0.adapter) }])
                    counts.interactions += 1
                case .adapterTrained(let e):
                    try insertSearch.run([sequence, .int(e.cluster), .text(try canonicalJSON(e.training)), .text(try canonicalJSON(e.validation)),
                                          .float(e.base.exactMatch), .float(e.base.loss), e.chosen.map(SQLiteValue.int), e.adapter.map(SQLiteValue.text)])
                    for (position, c) in e.candidates.enumerated() {
                        try insertCandidate.run([sequence, .int(position), .int(c.settings.rank), .float(c.settings.alpha), .float(c.settings.learningRate),
                                                 .int(c.settings.epochs), .text(String(c.seed)), .float(c.trainingLoss), .float(c.score.exactMatch),
                                                 .float(c.score.loss), .text(c.adapter)])
                    }
                    counts.searches += 1
                case .adapterRetired(let e):
                    try retireAdapter.run([sequence, .text(e.reason.rawValue), .text(e.adapter)])
                case .triggerFired(let e):
                    guard let judgement = e.judgement else { break }
                    try insertTrigger.run([sequence, .int(e.interaction), .int(judgement.fired ? 1 : 0), .text(judgement.cause.rawValue),
                                           judgement.score.map(SQLiteValue.float), .float(e.threshold), .text(try canonicalJSON(e.scores)),
                                           .text(try canonicalJSON(judgement.badness))])
                    counts.triggers += 1
                case .bufferSampleAdded(let e):
                    try insertSample.run([sequence, .int(e.interaction)])
                    counts.bufferSamples += 1
                case .clusterFormed(let e):
                    try insertCluster.run([.int(e.cluster), sequence, .text("formed"), .real(e.agreement), .float(e.centreCosine)])
                    members[e.cluster] = e.members
                    counts.clusters += 1
                case .clusterUpdated(let e):
                    members[e.cluster] = e.members
                case .clustersMerged(let e):
                    try insertCluster.run([.int(e.into), sequence, .text("merged"), nil, nil])
                    for source in e.sources { try endCluster.run([sequence, .text("merged"), .int(e.into), .int(source)]) }
                    members[e.into] = e.members
                    counts.clusters += 1
                case .clusterDissolved(let e):
                    try endCluster.run([sequence, .text("dissolved"), nil, .int(e.cluster)])
                case .feedbackRecorded(let e):
                    try insertFeedback.run([sequence, .int(e.interaction), .float(e.reward), .text(e.source), e.correction.map(SQLiteValue.text)])
                    counts.feedback += 1
                case .adapterUpdated(let e):
                    try insertAdapter.run([sequence, .int(e.node), .int(state.nodes[e.node]!.adapterVersion), .text("accepted"), .text(e.adapterBlob),
                                           .text(e.optimizerBlob), before.nodes[e.node]!.adapterBlob.map(SQLiteValue.text), .text(e.method),
                                           .float(e.loss), nil])
                    try lineage(of: e.node)
                    counts.adapters += 1
                case .adapterImported(let e):
                    // An import is an accepted change with no optimiser state, loss or lineage.
                    try insertAdapter.run([sequence, .int(e.node), .int(state.nodes[e.node]!.adapterVersion), .text("accepted"), .text(e.adapterBlob),
                                           nil, before.nodes[e.node]!.adapterBlob.map(SQLiteValue.text), .text("import-\(e.format)"), nil, nil])
                    counts.adapters += 1
                case .updateRejected(let e):
                    try insertAdapter.run([sequence, .int(e.node), .int(state.nodes[e.node]!.adapterVersion), .text("rejected"), nil, nil,
                                           before.nodes[e.node]!.adapterBlob.map(SQLiteValue.text), nil, nil, .text(e.reason)])
                    try lineage(of: e.node)
                    counts.adapters += 1
                default:
                    break
                }
                progress(index + 1, events.count)
            }
            let insertMember = try database.prepare("INSERT INTO cluster_members (cluster, position, interaction) VALUES (?, ?, ?)")
            for (cluster, list) in members.sorted(by: { $0.key < $1.key }) {
                for (position, interaction) in list.enumerated() { try insertMember.run([.int(cluster), .int(position), .int(interaction)]) }
            }
            let insertNode = try database.prepare("""
                INSERT INTO nodes (id, origin, parent, prompts, adapter, adapter_version, rejected_responses, buffered) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for (id, node) in state.nodes.sorted(by: { $0.key < $1.key }) {
                try insertNode.run([.int(id), .int(node.origin), node.parent.map(SQLiteValue.int), .int(node.count), node.adapterBlob.map(SQLiteValue.text),
                                    .int(node.adapterVersion), .int(node.rejectedResponses.count), .int(node.buffer.count)])
                counts.nodes += 1
            }
            let insertEdge = try database.prepare("INSERT INTO edges (source, target, kind, weight) VALUES (?, ?, ?, ?)")
            for edge in state.similarityEdges(threshold: edgeThreshold) {
                try insertEdge.run([.int(edge.from), .int(edge.to), .text("similar"), .float(edge.similarity)])
                counts.edges += 1
            }
            for (id, node) in state.nodes.sorted(by: { $0.key < $1.key }) {
                guard let parent = node.parent else { continue }
                try insertEdge.run([.int(parent), .int(id), .text("lineage"), nil])
                counts.edges += 1
            }
            let insertMeta = try database.prepare("INSERT INTO meta (key, value) VALUES (?, ?)")
            for (key, value) in [("branch", branch), ("head", String(events.last?.sequence ?? 0)), ("state_hash", state.hash.hex),
                                 ("edge_threshold", String(edgeThreshold))] {
                try insertMeta.run([.text(key), .text(value)])
            }
            try database.execute("COMMIT")
        } catch {
            try? database.execute("ROLLBACK")
            throw error
        }
        return counts
    }
}
