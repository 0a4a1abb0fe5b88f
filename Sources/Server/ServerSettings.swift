/// How `gesal serve` listens and what it accepts. The limits keep one request from holding
/// the engine or the memory: a body is read whole before it is decoded, so its size is capped
/// first; an answer's length is capped by the store's own `maxTokens`.
public struct ServerSettings: Sendable {
    public var host: String
    public var port: Int
    /// Required of every request but `GET /health` when set; required to bind beyond loopback.
    public var apiKey: String?
    public var maxBodyBytes: Int
    public var maxMessages: Int
    public var maxEmbeddingInputs: Int
    /// The id `GET /v1/models` lists for the chat model (its file name, without `.gguf`).
    public var modelID: String
    /// The id of the embedding model.
    public var embedderID: String

    public init(host: String = "127.0.0.1", port: Int = 8080, apiKey: String? = nil, maxBodyBytes: Int = 1 << 20, maxMessages: Int = 64,
                maxEmbeddingInputs: Int = 64, modelID: String, embedderID: String) {
        self.host = host
        self.port = port
        self.apiKey = apiKey
        self.maxBodyBytes = maxBodyBytes
        self.maxMessages = maxMessages
        self.maxEmbeddingInputs = maxEmbeddingInputs
        self.modelID = modelID
        self.embedderID = embedderID
    }

    /// The name every chat request may also use for the model, whatever the store runs.
    public static let alias = "gesal"

    /// Whether `host` is reachable from this machine only.
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
