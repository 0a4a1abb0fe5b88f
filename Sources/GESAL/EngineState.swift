import EventLog

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
    }

    public struct Node: Sendable, Equatable {
        public var id: Int
        public var centroid: [Float]
        public var count: Int
        /// The interaction that created the node.
        public var origin: Int
        /// Responses given negative feedback here (GESAL's past-response set): not to repeat.
        public var rejectedResponses: [String] = []
        /// Interactions whose feedback waits for the next update.
        public var buffer: [Int] = []
        public var adapterBlob: String?
        public var optimizerBlob: String?
        /// How many updates the adapter has had.
        public var adapterVersion = 0
    }

    public private(set) var created: StoreCreated?
    public private(set) var interactions: [Int: Interaction] = [:]
    public private(set) var nodes: [Int: Node] = [:]
    public private(set) var updates = 0
    public private(set) var rejectedUpdates = 0
    public private(set) var triggers = 0

    public init() {}

    /// Folds one event in. A history that breaks the rules (feedback for an interaction that
    /// does not exist, an update for a missing node) is refused with the reason.
    public mutating func apply(_ event: DomainEvent) throws(EngineError) {
        func fail(_ message: String) -> EngineError { EngineError(.inconsistent, message) }
        if case .storeCreated = event {} else if created == nil {
            throw fail("the history does not start with StoreCreated")
        }
        switch event {
        case .storeCreated(let e):
            guard created == nil else { throw fail("a second StoreCreated") }
            created = e
        case .nodeCreated(let e):
            guard nodes[e.node] == nil else { throw fail("node \(e.node) is created twice") }
            nodes[e.node] = Node(id: e.node, centroid: e.embedding.values, count: 1, origin: e.interaction)
        case .nodeUpdated(let e):
            guard nodes[e.node] != nil else { throw fail("NodeUpdated for node \(e.node), which does not exist") }
            nodes[e.node]!.centroid = e.centroid.values
            nodes[e.node]!.count = e.count
        case .interactionRecorded(let e):
            guard nodes[e.node] != nil else { throw fail("interaction \(e.interaction) routed to node \(e.node), which does not exist") }
            guard interactions[e.interaction] == nil else { throw fail("interaction \(e.interaction) is recorded twice") }
            interactions[e.interaction] = Interaction(prompt: e.prompt, response: e.response, node: e.node)
        case .feedbackRecorded(let e):
            guard let interaction = interactions[e.interaction] else { throw fail("feedback for interaction \(e.interaction), which does not exist") }
            interactions[e.interaction]!.rewards.append(e.reward)
            nodes[interaction.node]!.buffer.append(e.interaction)
            if e.reward < 0 && !nodes[interaction.node]!.rejectedResponses.contains(interaction.response) {
                nodes[interaction.node]!.rejectedResponses.append(interaction.response)
            }
        case .triggerFired(let e):
            guard interactions[e.interaction] != nil else { throw fail("trigger for interaction \(e.interaction), which does not exist") }
            triggers += 1
        case .adapterUpdated(let e):
            guard nodes[e.node] != nil else { throw fail("AdapterUpdated for node \(e.node), which does not exist") }
            nodes[e.node]!.adapterBlob = e.adapterBlob
            nodes[e.node]!.optimizerBlob = e.optimizerBlob
            nodes[e.node]!.adapterVersion += 1
            nodes[e.node]!.buffer.removeAll { e.interactions.contains($0) }
            updates += 1
        case .updateRejected(let e):
            guard nodes[e.node] != nil else { throw fail("UpdateRejected for node \(e.node), which does not exist") }
            nodes[e.node]!.buffer.removeAll { e.interactions.contains($0) }
            rejectedUpdates += 1
        case .branchCreated, .reverted, .snapshotTaken:
            break  // facts about the history itself; the state they describe is unchanged
        }
    }

    /// SHA-256 over a canonical binary encoding: every map in key order, floats as bit
    /// patterns, strings length-prefixed. Sequence numbers and commit times are not part of the
    /// state, so a branch that excluded an event hashes equal to a store that never had it.
    public var hash: Hash256 {
        var out = CanonicalWriter()
        out.string("GESALSTATE.v1")
        if let created {
            out.string(created.modelFingerprint)
            out.string(created.model)
            out.string(created.embedder)
            out.int(created.threads)
            out.string(created.blasCore)
            out.int(Int(created.seed))
            out.float(created.config.similarityThreshold)
            out.int(created.config.bufferSize)
            out.float(created.config.learningRate)
            out.float(created.config.klWeight)
            out.string(created.config.composition)
            out.strings(created.config.svfTargets)
        } else {
            out.string("")
        }
        out.int(interactions.count)
        for id in interactions.keys.sorted() {
            let i = interactions[id]!
            out.int(id)
            out.string(i.prompt)
            out.string(i.response)
            out.int(i.node)
            out.floats(i.rewards)
        }
        out.int(nodes.count)
        for id in nodes.keys.sorted() {
            let n = nodes[id]!
            out.int(id)
            out.floats(n.centroid)
            out.int(n.count)
            out.int(n.origin)
            out.strings(n.rejectedResponses)
            out.ints(n.buffer)
            out.string(n.adapterBlob ?? "")
            out.string(n.optimizerBlob ?? "")
            out.int(n.adapterVersion)
        }
        out.int(updates)
        out.int(rejectedUpdates)
        out.int(triggers)
        return Hash256.of(out.bytes)
    }
}

/// Little-endian, length-prefixed bytes for hashing.
struct CanonicalWriter {
    var bytes: [UInt8] = []

    mutating func int(_ value: Int) { withUnsafeBytes(of: Int64(value).littleEndian) { bytes += $0 } }
    mutating func float(_ value: Float) { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
    mutating func string(_ value: String) {
        int(value.utf8.count)
        bytes += value.utf8
    }
    mutating func floats(_ values: [Float]) {
        int(values.count)
        values.forEach { float($0) }
    }
    mutating func ints(_ values: [Int]) {
        int(values.count)
        values.forEach { int($0) }
    }
    mutating func strings(_ values: [String]) {
        int(values.count)
        values.forEach { string($0) }
    }
}
