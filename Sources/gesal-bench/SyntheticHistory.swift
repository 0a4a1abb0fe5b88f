import Engine
import EventLog
import GESAL
import Models
import Tensor

/// A synthetic GESAL history without models: prompts routed to 50 nodes, feedback on every
/// interaction, an update per two feedbacks, a snapshot halfway; blobs are small stand-ins
/// (replay never reads adapter blobs). What `engine` and `pg` measure replay and copies on.
enum SyntheticHistory {
    /// Writes `interactions` interactions (one record each, and one per update) to `main`;
    /// returns the state they fold to and the snapshot taken.
    /// `json`: every payload as the JSON builds before binary payloads wrote (the baseline).
    static func write(interactions: Int, to writer: any HistoryWriter, json: Bool = false) throws -> (state: EngineState, snapshot: SnapshotTaken?) {
        var random = RandomSource(seed: 1)
        let width = 384, nodeCount = 50
        var state = EngineState()
        var batch: [DomainEvent] = [.storeCreated(StoreCreated(modelFingerprint: "synthetic", model: "synthetic", embedder: "minilm", threads: 2,
                                                               blasCore: BLASKernels.coreName, seed: 0, config: EngineConfig(bufferSize: 2)))]
        var snapshot: SnapshotTaken?
        func flush() throws {
            for event in batch { try state.apply(event) }
            try writer.append(batch.map { json ? jsonDraft(try $0.draft()) : try $0.draft() }, to: "main")
            batch = []
        }
        for i in 1...interactions {
            let embedding = (0..<width).map { _ in Float(random.unit()) }
            let node = i <= nodeCount ? i : Int(random.next() % UInt64(nodeCount)) + 1
            if i <= nodeCount {
                batch.append(.nodeCreated(NodeCreated(node: node, interaction: i, embedding: Vector(embedding), nearest: nil, similarity: nil)))
            } else {
                batch.append(.nodeUpdated(NodeUpdated(node: node, interaction: i, centroid: Vector(embedding), count: i)))
            }
            batch.append(.interactionRecorded(InteractionRecorded(
                interaction: i, prompt: "How many times does the letter r appear in the word strawberry? (\(i))", response: "There are \(i % 4) r's.",
                node: node, embedding: Vector(embedding), similarity: 0.8, adapter: nil,
                sampling: SamplingRecord(temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1, maxTokens: 48, seed: 0), promptTokens: 30, responseTokens: 8)))
            batch.append(.feedbackRecorded(FeedbackRecorded(interaction: i, reward: i % 3 == 0 ? 1 : -2, source: "checker")))
            try flush()
            if state.nodes[node]!.buffer.count >= 2 {
                let consumed = state.nodes[node]!.buffer.map(\.interaction)
                batch.append(.triggerFired(TriggerFired(interaction: i, scores: ["buffered": 2], threshold: 2)))
                batch.append(.adapterUpdated(AdapterUpdated(node: node, method: "reinforce-svf", adapterBlob: try writer.putBlob(Array("a\(i)".utf8)).hex,
                                                            optimizerBlob: try writer.putBlob(Array("o\(i)".utf8)).hex, loss: 0.5, interactions: consumed)))
                try flush()
            }
            if i == interactions / 2 { snapshot = try Snapshot.write(state, at: try writer.history.head(of: "main"), to: writer, branch: "main") }
        }
        return (state, snapshot)
    }

    /// A draft with the JSON its binary payload stands for.
    private static func jsonDraft(_ draft: EventDraft) -> EventDraft {
        let event = Event(sequence: 0, timeNanos: 0, type: draft.type, payload: draft.payload, blobs: draft.blobs)
        guard let json = BinaryPayload.json(of: event) else { return draft }
        return EventDraft(type: draft.type, payload: Array(json.utf8), blobs: draft.blobs)
    }
}
