/// What a caller asked for beyond the prompt: the HTTP API's system message, the
/// conversation's earlier turns and the sampling fields. A field left out follows the store's answer policy (greedy, the store's longest
/// answer), so an interaction asked through `gesal ask` has no request at all. Recorded in
/// the interaction because a rollback that regenerates its answer must ask the same way.
public struct AnswerRequest: Sendable, Hashable, Codable {
    /// One earlier message of a conversation: `user` or `assistant`, and its text.
    public struct Turn: Sendable, Hashable, Codable {
        public static let roles: Set<String> = ["user", "assistant"]
        public var role: String
        public var content: String

        public init(role: String, content: String) {
            self.role = role
            self.content = content
        }
    }

    public var system: String?
    /// The conversation before the prompt, oldest first. The prompt is its last user message:
    /// it alone is embedded, routed and learned from; these turns frame the answer.
    public var turns: [Turn]?
    public var temperature: Float?
    public var topP: Float?
    public var seed: UInt64?
    public var maxTokens: Int?
    public var stop: [String]?
    /// Transformer²'s dispatch strategy for this answer instead of the store's ("none",
    /// "embedding", "prompt", "classifier").
    public var dispatch: String?

    public init(system: String? = nil, turns: [Turn]? = nil, temperature: Float? = nil, topP: Float? = nil, seed: UInt64? = nil,
                maxTokens: Int? = nil, stop: [String]? = nil, dispatch: String? = nil) {
        self.system = system
        self.turns = turns.flatMap { $0.isEmpty ? nil : $0 }
        self.temperature = temperature
        self.topP = topP
        self.seed = seed
        self.maxTokens = maxTokens
        self.stop = stop.flatMap { $0.isEmpty ? nil : $0 }
        self.dispatch = dispatch
    }

    /// Nothing asked beyond the store's policy: such a request is not recorded at all.
    public var isEmpty: Bool { self == AnswerRequest() }

    /// Refuses values no answer can be asked with, naming `what` (which interaction).
    public func check(_ what: String) throws(EngineError) {
        if let system { try Limits.systemBytes.check(Float(system.utf8.count), "the system message of \(what) (in UTF-8 bytes)") }
        if let turns {
            try Limits.turns.check(turns.count, "the number of earlier turns of \(what)")
            try Limits.conversationBytes.check(turns.reduce(0) { $0 + $1.content.utf8.count }, "the earlier turns of \(what) (in UTF-8 bytes)")
            if let turn = turns.firstIndex(where: { !Turn.roles.contains($0.role) }) {
                throw EngineError(.invalidRequest, "earlier turn \(turn) of \(what) has role '\(turns[turn].role)'; it must be user or assistant")
            }
        }
        if let temperature { try Limits.temperature.check(temperature, "the temperature of \(what)") }
        if let dispatch { try DispatchSettings(strategy: dispatch).validate { _ in "the dispatch of \(what)" } }
        if let topP { try Limits.topP.check(topP, "the top-p of \(what)") }
        if let maxTokens { try Limits.maxTokens.check(Float(maxTokens), "the max tokens of \(what)") }
        if let stop {
            try Limits.stopStrings.check(Float(stop.count), "the number of stop strings of \(what)")
            for string in stop { try Limits.stopBytes.check(Float(string.utf8.count), "a stop string of \(what) (in UTF-8 bytes)") }
        }
    }
}
