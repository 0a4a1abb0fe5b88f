/// What one generation produced.
public struct Generation: Sendable, Equatable {
    public enum StopReason: String, Sendable { case endOfTurn, stopString, maxTokens, contextFull }

    public var text: String
    public var promptTokens: [Int]
    public var tokens: [Int]
    public var stopReason: StopReason
    /// How sure the model was (nil when no token was picked: no room, or none asked).
    public var confidence: ConfidenceSignals?
}

extension LanguageModel {
    /// Prompts longer than this are read on their own through OpenBLAS: past about a hundred
    /// tokens its products are faster than the row kernel's (a 128-token prompt at 465 to 541
    /// tokens/s against 361 to 389, `gesal-bench infer --tokens 128`, docs/models.md); shorter
    /// ones are read in the batch's step, where they share its weight reads.
    public static var longPrompt: Int { 128 }

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

    /// Answers `prompt` (wrapped in the model's chat template, after `context`, unless `raw`),
    /// calling `onText` with each piece of text as soon as it is complete UTF-8. With
    /// `reusingPrompt`, a prompt this model read for such a request lately is not read again
    /// (`GenerationRequest.reusesPrompt`).
    public func generate(prompt: String, context: ChatContext = ChatContext(), raw: Bool = false, parameters: SamplingParameters,
                         reusingPrompt: Bool = false, onText: (String) -> Void = { _ in }) -> Generation {
        withoutActuallyEscaping(onText) { onText in
            generate([GenerationRequest(prompt: prompt, context: context, raw: raw, parameters: parameters, reusesPrompt: reusingPrompt,
                                        onText: onText)])[0]
        }
    }

    /// Answers several requests together in batched steps (`LlamaModel.step`): the first reads
    /// every prompt, each later one advances every unfinished answer by a token, each with its
    /// own cache, sampler and stops. An answer is the same, token for token, as when it is
    /// generated alone. A prompt longer than `longPrompt` tokens is read before the steps, on
    /// its own through OpenBLAS (`LlamaModel.prefill`), whatever else is asked with it.
    ///
    /// Requests can join while the others decode (continuous batching): before every step,
    /// `admit` is told how many answers are still running and returns the requests that join
    /// now; their prompts are read in that step, beside the others' next tokens, so the
    /// weights are read once for both. `finished` is called with an answer's number (its
    /// place among the requests given and admitted, in that order) as soon as it is complete;
    /// the result holds them all in that order.
    public func generate(_ requests: [GenerationRequest], admit: (_ running: Int) -> [GenerationRequest] = { _ in [] },
                         finished: (Int, Generation) -> Void = { _, _ in }) -> [Generation] {
        var sequences: [Decoding] = []
        /// Takes a request; one that cannot be answered (no room, no tokens asked) is complete at
        /// once. A prompt state kept for it, or a long prompt read here, alone, picks its first token.
        func start(_ request: GenerationRequest) {
            var sequence = Decoding(request: request, model: self)
            if !sequence.done, request.reusesPrompt, let kept = promptStates.state(after: sequence.promptTokens) {
                sequence.cache = kept.cache.copy(capacity: sequence.cache.capacity)
                sequence.logits = kept.logits
                sequence.advance(model: self)
            } else if !sequence.done && sequence.promptTokens.count > Self.longPrompt {
                sequence.logits = model.prefill(sequence.promptTokens, cache: &sequence.cache)
                sequence.rememberPrompt(in: self)
                sequence.advance(model: self)
            }
            sequences.append(sequence)
            if sequence.done { finished(sequences.count - 1, sequence.generation) }
        }
        requests.forEach(start)
        while true {
            admit(sequences.count(where: { !$0.done })).forEach(start)
            let running = sequences.indices.filter { !sequences[$0].done }
            guard !running.isEmpty else { break }
            let runs = running.map { sequences[$0].nextRun }
            // The caches move into the batch and back, so that growing them never copies them.
            var caches = running.map { sequences[$0].takeCache() }
            let logits = model.step(runs, caches: &caches)
            for (slot, index) in running.enumerated() {
                let readPrompt = sequences[index].generated.isEmpty  // nothing generated yet: this step read the prompt
                sequences[index].cache = caches[slot]
                sequences[index].logits = logits[slot]
                if readPrompt { sequences[index].rememberPrompt(in: self) }
                sequences[index].advance(model: self)
                if sequences[index].done { finished(index, sequences[index].generation) }
            }
        }
        return sequences.map(\.generation)
    }
}

/// One answer to generate: what `generate(prompt:...)` takes, for a batch.
public struct GenerationRequest {
    public var prompt: String
    public var context: ChatContext
    public var raw: Bool
    public var parameters: SamplingParameters
    /// Whether the model keeps its state after this prompt, and starts from a state it kept
    /// for the same tokens instead of reading them again (`PromptStates`): for a prompt that
    /// may be asked again soon, as a retry asks it. The answer is the same either way.
    public var reusesPrompt: Bool
    public var onText: (String) -> Void

    public init(prompt: String, context: ChatContext = ChatContext(), raw: Bool = false, parameters: SamplingParameters,
                reusesPrompt: Bool = false, onText: @escaping (String) -> Void = { _ in }) {
        self.prompt = prompt
        self.context = context
        self.raw = raw
        self.parameters = parameters
        self.reusesPrompt = reusesPrompt
        self.onText = onText
    }
}

/// One answer being generated: its cache, sampler, text so far, and whether it has stopped.
private struct Decoding {
    let request: GenerationRequest
    let promptTokens: [Int]
    var cache: KVCache
    var sampler: Sampler
    var stream = UTF8StreamDecoder()
    var generated: [Int] = []
    var text = ""
    var reason = Generation.StopReason.maxTokens
    var logits: [Float] = []
    var confidence = ConfidenceTally()
    var done = false

    /// Sizes the cache for the prompt and the answer (the prompt is read in the first step), or
    /// stops at once when the prompt leaves no room in the context window (checked before the
    /// cache is sized by it: callers that must not answer with nothing check with
    /// `promptTokens(for:)` first).
    init(request: GenerationRequest, model language: LanguageModel) {
        let model = language.model
        self.request = request
        promptTokens = language.tokenizer.encode(request.raw ? request.prompt : language.template.render(user: request.prompt, context: request.context))
        sampler = Sampler(request.parameters)
        guard promptTokens.count < model.config.contextLength else {
            cache = .empty
            reason = .contextFull
            done = true
            return
        }
        let capacity = min(model.config.contextLength, promptTokens.count + request.parameters.maxTokens)
        cache = model.makeCache(capacity: max(capacity, promptTokens.count + 1))
        done = request.parameters.maxTokens <= 0
    }

    /// What the next step reads: the prompt while the cache is empty, then the last token.
    var nextRun: [Int] { cache.count == 0 ? promptTokens : [generated.last!] }

    /// Picks the next token from the last logits and applies the stops; `done` afterwards
    /// when the answer is complete, otherwise the token still has to run through the model.
    mutating func advance(model language: LanguageModel) {
        let token = sampler.next(logits: logits, history: promptTokens + generated)
        confidence.observe(logits, picked: token)
        if language.stopTokens.contains(token) {
            reason = .endOfTurn
            done = true
            return
        }
        generated.append(token)
        let piece = stream.append(language.tokenizer.bytes(of: token))
        text += piece
        if let stop = request.parameters.stop.first(where: { text.hasSuffix($0) }) {
            text.removeLast(stop.count)
            reason = .stopString
            done = true
            return
        }
        request.onText(piece)
        if cache.count >= cache.capacity {
            reason = cache.capacity >= language.model.config.contextLength ? .contextFull : .maxTokens
            done = true
        } else if generated.count >= request.parameters.maxTokens {
            done = true
        }
    }

    /// Keeps the state after the prompt just read, when the request asks for it.
    func rememberPrompt(in language: LanguageModel) {
        guard request.reusesPrompt else { return }
        language.promptStates.remember(PromptStates.State(tokens: promptTokens, cache: cache.copy(capacity: cache.count), logits: logits))
    }

    mutating func takeCache() -> KVCache {
        defer { cache = .empty }
        return cache
    }

    var generation: Generation { Generation(text: text, promptTokens: promptTokens, tokens: generated, stopReason: reason,
                                       confidence: confidence.signals) }
}
