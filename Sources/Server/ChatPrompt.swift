import GESAL

/// What GESAL asks the model for a chat request: the user message it answers, routes and learns
/// from, and the system message that frames it. An interaction is one question and its
/// answer, so the conversation must end in its only user message; earlier turns are refused
/// until interactions can record them (docs/serve.md).
struct ChatPrompt: Sendable, Equatable {
    var system: String?
    var user: String

    static let systemRoles: Set<String> = ["system", "developer"]

    init(system: String?, user: String) {
        self.system = system
        self.user = user
    }

    init(_ messages: [ChatMessage], limit: Int) throws(APIError) {
        guard !messages.isEmpty else { throw .badRequest("messages is empty: send at least one user message", param: "messages") }
        guard messages.count <= limit else {
            throw .badRequest("messages has \(messages.count) entries; this server takes at most \(limit)", param: "messages")
        }
        var system: [String] = []
        for (index, message) in messages.enumerated() {
            let param = "messages[\(index)]"
            guard let content = message.content?.text else { throw .badRequest("\(param) has no content", param: param) }
            let isLast = index == messages.count - 1
            switch message.role {
            case _ where Self.systemRoles.contains(message.role):
                guard !isLast else { throw .badRequest("the last message is a \(message.role) message: end with the user message to answer", param: param) }
                system.append(content)
            case "user":
                guard isLast else {
                    throw .badRequest("\(param) is a user message before the last one: multi-turn conversations are not supported yet; "
                        + "send the system message and one user message (GESAL records, routes and learns one question per interaction)", param: param)
                }
                self.init(system: system.isEmpty ? nil : system.joined(separator: "\n\n"), user: content)
                return
            case "assistant", "tool", "function":
                throw .badRequest("\(param) is a \(message.role) message: multi-turn conversations are not supported yet; "
                    + "send the system message and one user message", param: param)
            default:
                throw .badRequest("\(param) has role '\(message.role)'; use system, developer or user", param: param)
            }
        }
        throw .badRequest("the conversation does not end in a user message", param: "messages")
    }
}

extension SamplingFields {
    /// The engine's request for these fields. `max_tokens` above the store's `maxTokens` is
    /// capped to it (an answer never runs longer than the store allows); every other value
    /// out of range is refused, naming the field.
    func answerRequest(system: String?, storeMaxTokens: Int) throws(APIError) -> AnswerRequest {
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
        let maxTokens = asked.map { min($0, storeMaxTokens) }
        // What equals the store's policy is left out, so a plain request records no request.
        let sampled = (temperature ?? 0) > 0
        return AnswerRequest(system: system.flatMap { $0.isEmpty ? nil : $0 }, temperature: sampled ? temperature : nil,
                             topP: sampled && top_p != 1 ? top_p : nil, seed: sampled ? seed.map { UInt64(bitPattern: $0) } : nil,
                             maxTokens: maxTokens == storeMaxTokens ? nil : maxTokens, stop: stops.isEmpty ? nil : stops)
    }
}
