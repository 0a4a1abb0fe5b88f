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
        let key = Key(adapter: adapter, context: context, prompt: prompt, parameters: parameters)
        if let known = entries[key] { return known }
        let generation = try generate()
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[key] = generation
        return generation
    }
}
