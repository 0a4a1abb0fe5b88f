import Synchronization

/// A model's state after the prompts it read last: the keys and values of every position and
/// the logits of the last one, kept for a few prompts. Asking the same prompt again, as a
/// retry does when it samples another answer after a rejected one, then starts from there
/// instead of reading the prompt again. Reading a prompt depends on its tokens alone (a row's
/// products are the same in any batch), so an answer started from a kept state is the answer,
/// token for token, that reading the prompt gives.
final class PromptStates: Sendable {
    struct State: Sendable {
        var tokens: [Int]
        var cache: KVCache
        var logits: [Float]
    }

    /// Prompts kept: a retry asks the prompt just read, and a few more cost little (about
    /// 2.3 MB for a 50-token prompt of SmolLM2).
    static let kept = 4

    /// The most recently used last.
    private let states = Mutex<[State]>([])
    private let hitCount = Atomic<Int>(0)

    /// The state after `tokens`, if it is kept.
    func state(after tokens: [Int]) -> State? {
        states.withLock { states in
            guard let index = states.lastIndex(where: { $0.tokens == tokens }) else { return nil }
            let state = states.remove(at: index)
            states.append(state)
            hitCount.add(1, ordering: .relaxed)
            return state
        }
    }

    /// Keeps `state` in place of the least recently used one when full.
    func remember(_ state: State) {
        states.withLock { states in
            states.removeAll { $0.tokens == state.tokens }
            states.append(state)
            if states.count > Self.kept { states.removeFirst(states.count - Self.kept) }
        }
    }

    /// How many prompts were not read again (for tests).
    var hits: Int { hitCount.load(ordering: .relaxed) }
}
