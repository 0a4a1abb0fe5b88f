import GESAL

/// A history for SAGE's buffer without models: prompts in two tight groups of 4-d points, A
/// near (1, 0, 0, 0) and B near (0, 1, 0, 0), entering A, B, A, B, ..., each given negative
/// feedback (which always fires). HDBSCAN (checked against scikit-learn) finds no cluster
/// until each group has two points, so every round's outcome can be worked by hand: both
/// groups form in round 6, and round 7 adds interaction 7 to A's cluster.
public enum BufferFixture {
    public static let trigger = TriggerSettings(threshold: 0.5, warmup: 100)

    public static func created(_ buffer: BufferSettings? = BufferSettings(), loraStore: LoRAStoreSettings? = nil) -> StoreCreated {
        StoreCreated(modelFingerprint: "f00d", model: "tiny", embedder: "tiny", threads: 2, blasCore: "Haswell", seed: 7,
                     config: EngineConfig(maxTokens: loraStore == nil ? 48 : 4, trigger: trigger, buffer: buffer, loraStore: loraStore))
    }

    /// The prompt embedding of interaction i: group A for odd i, B for even, a little apart.
    public static func point(_ interaction: Int) -> [Float] {
        let spread = Float(interaction) * 0.01
        return interaction % 2 == 1 ? [1, spread, 0, 0.05] : [spread, 1, 0.05, 0]
    }

    /// Interaction i on a node of its own.
    public static func asked(_ interaction: Int) -> [DomainEvent] {
        let embedding = Vector(point(interaction))
        return [
            .nodeCreated(NodeCreated(node: interaction, interaction: interaction, embedding: embedding, nearest: nil, similarity: nil)),
            .interactionRecorded(InteractionRecorded(
                interaction: interaction, prompt: "q\(interaction)", response: "wrong", node: interaction, embedding: embedding,
                similarity: 1, adapter: nil, sampling: SamplingRecord(temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1, maxTokens: 8, seed: 0),
                promptTokens: 10, responseTokens: 4)),
        ]
    }

    /// The right answer to interaction i's prompt, when the stream gives corrections.
    public static func correction(_ interaction: Int) -> String { "a\(interaction)" }

    /// Negative feedback on `interaction` (with `correction`) and the trigger's judgement of it.
    public static func fired(_ interaction: Int, correction: String? = nil) -> [DomainEvent] {
        [.feedbackRecorded(FeedbackRecorded(interaction: interaction, reward: -2, source: "checker", correction: correction)),
         .triggerFired(trigger.judge(interaction: interaction, reward: -2, signals: [:], calibration: nil))]
    }

    /// `count` interactions entering the buffer as the engine records them: the state, every
    /// event in order, and the cluster events of each round. With `loraStore`, in a store with
    /// one, every feedback corrects its answer (`correction`); no search is made.
    public static func stream(_ count: Int, buffer: BufferSettings = BufferSettings(), loraStore: LoRAStoreSettings? = nil) throws
        -> (state: EngineState, events: [DomainEvent], rounds: [[DomainEvent]]) {
        var state = EngineState()
        var events: [DomainEvent] = [.storeCreated(created(buffer, loraStore: loraStore))]
        try state.apply(events[0])
        var rounds: [[DomainEvent]] = []
        for i in 1...count {
            let feedback = fired(i, correction: loraStore == nil ? nil : correction(i))
            for event in asked(i) + feedback + [.bufferSampleAdded(BufferSampleAdded(interaction: i))] {
                try state.apply(event)
                events.append(event)
            }
            let round = state.pending
            for event in round { try state.apply(event) }
            events += round
            rounds.append(round)
        }
        return (state, events, rounds)
    }
}
