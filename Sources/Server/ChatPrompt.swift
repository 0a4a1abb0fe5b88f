import GESAL

/// What GESAL asks the model for a chat request: the last user message, which it answers,
/// embeds, routes and learns from; the system message that frames it; and the conversation's
/// earlier turns, which the model reads before it (recorded with the interaction, so a
/// rollback regenerates the answer in the same conversation).
struct ChatPrompt: Sendable, Equatable {
    var system: String?
    var turns: [AnswerRequest.Turn]
    var user: String

    static let systemRoles: Set<String> = ["system", "developer"]

    init(system: String?, turns: [AnswerRequest.Turn] = [], user: String) {
        self.system = system
        self.turns = turns
        self.user = user
    }

    /// System (or developer) messages first, then user and assistant messages, ending in a user
    /// message; anything else is refused with the message's index.
    init(_ messages: [ChatMessage], limit: Int) throws(APIError) {
        guard !messages.isEmpty else { throw .badRequest("messages is empty: send at least one user message", param: "messages") }
        guard messages.count <= limit else {
            throw .badRequest("messages has \(messages.count) entries; this server takes at most \(limit)", param: "messages")
        }
        var system: [String] = []
        var turns: [AnswerRequest.Turn] = []
        for (index, message) in messages.enumerated() {
            let param = "messages[\(index)]"
            guard let content = message.content?.text else { throw .badRequest("\(param) has no content", param: param) }
            switch message.role {
            case _ where Self.systemRoles.contains(message.role):
                guard turns.isEmpty else {
                    throw .badRequest("\(param) is a \(message.role) message after the conversation began: put system messages first", param: param)
                }
                system.append(content)
            case _ where AnswerRequest.Turn.roles.contains(message.role):
                turns.append(AnswerRequest.Turn(role: message.role, content: content))
            case "tool", "function":
                throw .badRequest("\(param) is a \(message.role) message: tools are not supported, GESAL answers in text", param: param)
            default:
                throw .badRequest("\(param) has role '\(message.role)'; use system, developer, user or assistant", param: param)
            }
        }
        guard let last = turns.popLast(), last.role == "user" else {
            throw .badRequest("the conversation does not end in a user message: the last message is the one answered",
                              param: "messages[\(messages.count - 1)]")
        }
        self.init(system: system.isEmpty ? nil : system.joined(separator: "\n\n"), turns: turns, user: last.content)
    }
}

extension SamplingFields {
    /// The engine's request for these fields. `max_tokens` above the store's `maxTokens` is
    /// capped to it (an answer never runs longer than the store allows); every other value
    /// out of range is refused, naming the field.
    func answerRequest(system: String?, turns: [AnswerRequest.Turn] = [], storeMaxTokens: Int) throws(APIError) -> AnswerRequest {
        if let n, n != 1 { throw .badRequest("n is \(n); this server gives one answer per request", param: "n") }
        if logprobs == true { throw .badRequest("logprobs are not supported", param: "logprobs") }
        if let temperature, !(0...2).contains(temperature) { throw .badRequest("temperature must be between 0 and 2, not \(temperature)", param: "temperature") }
        if let top_p, !(top_p > 0 && top_p <= 1) { throw .badRequest("top_p must be above 0 and at most 1, not \(top_p)", param: "top_p") }
        let asked = max_completion_tokens ?? max_tokens
        if let asked, asked < 1 { throw .badRequest("max_tokens must be at least 1, not \(asked)", param: max_completion_tokens == nil ? "max_tokens" : "max_completion_tokens") }
        let stops = stop?.strings ?? []
        guard stops.count <= Int(Limits.stopStrings.upper) else { throw .badRequest("stop has \(stops.count) strings; at most 4", param: "stop") }
        if stops.contains(where: { $0.isEmpty || $0.utf8.count > Int(Limits.stopBytes.upper) }) {
            throw .badRequest("each stop string must be 1 to \(Int(Limits.stopBytes.upper)) bytes", param: "stop")
        }
        if let system, system.utf8.count > Int(Limits.systemBytes.upper) {
            throw .badRequest("the system message is \(system.utf8.count) bytes; at most \(Int(Limits.systemBytes.upper))", param: "messages")
        }
        let conversationBytes = turns.reduce(0) { $0 + $1.content.utf8.count }
        if conversationBytes > Int(Limits.conversationBytes.upper) {
            throw .badRequest("the earlier messages are \(conversationBytes) bytes together; at most \(Int(Limits.conversationBytes.upper))", param: "messages")
        }
        let maxTokens = asked.map { min($0, storeMaxTokens) }
        // What equals the store's policy is left out, so a plain request records no request.
        let sampled = (temperature ?? 0) > 0
        return AnswerRequest(system: system.flatMap { $0.isEmpty ? nil : $0 }, turns: turns, temperature: sampled ? temperature : nil,
                             topP: sampled && top_p != 1 ? top_p : nil, seed: sampled ? seed.map { UInt64(bitPattern: $0) } : nil,
                             maxTokens: maxTokens == storeMaxTokens ? nil : maxTokens, stop: stops.isEmpty ? nil : stops)
    }
}
