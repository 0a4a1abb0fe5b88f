import Models

/// Answers already generated in this process, by what fixes them: the node's adapter, the
/// prompt and the sampling parameters (a greedy answer, or a sample with its seed). Generation
/// is deterministic, so a hit returns exactly what generating again would; it saves the
/// greedy answer a node has rejected before (asked again before every resample), and the
/// answers of items scored again while their adapter did not change.
public final class GenerationCache {
    struct Key: Hashable {
        var adapter: String?
        var context: ChatContext
        var prompt: String
        var parameters: SamplingParameters
    }

    private var entries: [Key: Generation] = [:]
    /// When full, the cache starts over: simple, and answers are cheap next to a full cache.
    public let capacity: Int

    public init(capacity: Int = 16_384) {
        self.capacity = capacity
    }

    /// The generation for (adapter, system message and earlier turns, prompt, parameters), from
    /// the cache or from `generate`.
    public func generation(adapter: String?, context: ChatContext = ChatContext(), prompt: String, parameters: SamplingParameters,
                           generate: () throws -> Generation) rethrows -> Generation {
        if let known = cached(adapter: adapter, context: context, prompt: prompt, parameters: parameters) { return known }
        let generation = try generate()
        remember(generation, adapter: adapter, context: context, prompt: prompt, parameters: parameters)
        return generation
    }

    /// The generation the cache holds for these, if it holds one.
    public func cached(adapter: String?, context: ChatContext, prompt: String, parameters: SamplingParameters) -> Generation? {
        entries[Key(adapter: adapter, context: context, prompt: prompt, parameters: parameters)]
    }

    /// Keeps `generation` as the answer for these (a batch generates outside `generation(…)`).
    public func remember(_ generation: Generation, adapter: String?, context: ChatContext, prompt: String, parameters: SamplingParameters) {
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[Key(adapter: adapter, context: context, prompt: prompt, parameters: parameters)] = generation
    }
}
