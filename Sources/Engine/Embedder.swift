import Models

/// What turns a prompt into the vector GESAL routes with.
public enum Embedder: Sendable {
    /// all-MiniLM-L6-v2 sentence embeddings (the default).
    case miniLM(BertModel)
    /// The chat model's own final hidden states, averaged (no second model needed).
    case hiddenMean(LanguageModel)

    /// The name StoreCreated records; a store refuses to open with another embedder.
    public var name: String {
        switch self {
        case .miniLM: "minilm"
        case .hiddenMean: "hidden-mean"
        }
    }

    public func embed(_ prompt: String) -> [Float] {
        switch self {
        case .miniLM(let model): model.embed(prompt)
        case .hiddenMean(let language): language.model.meanHiddenState(language.tokenizer.encode(prompt))
        }
    }

    /// How many tokens of `prompt` the embedding reads.
    public func tokenCount(_ prompt: String) -> Int {
        switch self {
        case .miniLM(let model): min(model.tokenizer.encode(prompt).count, model.config.maxPositions)
        case .hiddenMean(let language): language.tokenizer.encode(prompt).count
        }
    }
}
