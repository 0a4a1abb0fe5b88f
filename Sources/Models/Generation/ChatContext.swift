/// What frames the user message a model answers: the system message and the conversation's
/// earlier turns, oldest first. Empty for a plain question.
public struct ChatContext: Sendable, Hashable {
    /// One earlier message of the conversation.
    public struct Turn: Sendable, Hashable {
        public enum Role: String, Sendable, Hashable, CaseIterable { case user, assistant }
        public var role: Role
        public var text: String

        public init(_ role: Role, _ text: String) {
            self.role = role
            self.text = text
        }
    }

    public var system: String?
    public var turns: [Turn]

    public init(system: String? = nil, turns: [Turn] = []) {
        self.system = system
        self.turns = turns
    }
}
