/// What one generation produced.
public struct Generation: Sendable, Equatable {
    public enum StopReason: String, Sendable { case endOfTurn, stopString, maxTokens, contextFull }

    public var text: String
    public var promptTokens: [Int]
    public var tokens: [Int]
    public var stopReason: StopReason
}

extension LanguageModel {
    /// The prompt's tokens as `generate` feeds them, refused when they leave no room for an
    /// answer in the context window (an empty answer and exit 0 would pass for a real one).
    public func promptTokens(for prompt: String, context: ChatContext = ChatContext(), raw: Bool = false) throws(ModelError) -> [Int] {
        let tokens = tokenizer.encode(raw ? prompt : template.render(user: prompt, context: context))
        guard tokens.count < model.config.contextLength else {
            throw ModelError(.invalid, "the prompt is \(tokens.count) tokens\(raw ? "" : " in the chat template"), and the model's context "
                + "window holds \(model.config.contextLength): no room is left for an answer; shorten the prompt"
                + (context.turns.isEmpty ? "" : " or the conversation's earlier turns"), path: path)
        }
        return tokens
    }

    /// Answers `prompt` (wrapped in the model's chat template, after `context`, unless `raw`), calling `onText`
    /// with each piece of text as soon as it is complete UTF-8.
    public func generate(prompt: String, context: ChatContext = ChatContext(), raw: Bool = false, parameters: SamplingParameters,
                         onText: (String) -> Void = { _ in }) -> Generation {
        let promptTokens = tokenizer.encode(raw ? prompt : template.render(user: prompt, context: context))
        // Checked before the cache is sized by the prompt: callers that must not answer with
        // nothing check with `promptTokens(for:)` first.
        guard promptTokens.count < model.config.contextLength else {
            return Generation(text: "", promptTokens: promptTokens, tokens: [], stopReason: .contextFull)
        }
        let capacity = min(model.config.contextLength, promptTokens.count + parameters.maxTokens)
        var cache = model.makeCache(capacity: max(capacity, promptTokens.count + 1))
        var sampler = Sampler(parameters)
        var stream = UTF8StreamDecoder()
        var generated: [Int] = []
        var text = ""
        var reason = Generation.StopReason.maxTokens
        var logits = model.forward(promptTokens, cache: &cache)
        while generated.count < parameters.maxTokens {
            let token = sampler.next(logits: logits, history: promptTokens + generated)
            if stopTokens.contains(token) {
                reason = .endOfTurn
                break
            }
            generated.append(token)
            let piece = stream.append(tokenizer.bytes(of: token))
            text += piece
            if let stop = parameters.stop.first(where: { text.hasSuffix($0) }) {
                text.removeLast(stop.count)
                reason = .stopString
                break
            }
            onText(piece)
            guard cache.count < cache.capacity else {
                reason = cache.capacity >= model.config.contextLength ? .contextFull : .maxTokens
                break
            }
            logits = model.forward([token], cache: &cache)
        }
        return Generation(text: text, promptTokens: promptTokens, tokens: generated, stopReason: reason)
    }
}
