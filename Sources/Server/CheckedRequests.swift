import Foundation
import GESAL

// What each route that reads a JSON body does before it reaches the engine: decode the body,
// check every field, and refuse what the server cannot honour, with a 4xx naming the field.
// Kept apart from the routes (which then only ask the engine) so that the whole path from
// bytes to a checked request runs without a server, a model or a store: in tests and under the
// fuzzer (`BodyRoute.check`).

/// A chat completion, checked: the prompt split into system, earlier turns and the user's
/// question, and the engine's request for the sampling fields.
struct CheckedChat: Sendable {
    var prompt: ChatPrompt
    var asked: AnswerRequest
    var model: String
    var stream: Bool

    init(_ data: Data, settings: ServerSettings, storeMaxTokens: Int) throws(APIError) {
        let body = try JSONBody.decode(ChatRequest.self, from: data)
        try settings.checkModel(body.model, served: settings.chatModels)
        if body.hasTools { throw APIError.badRequest("tools are not supported: GESAL answers in text", param: "tools") }
        prompt = try ChatPrompt(body.messages, limit: settings.maxMessages)
        asked = try body.sampling.answerRequest(system: prompt.system, turns: prompt.turns, storeMaxTokens: storeMaxTokens)
        model = body.model ?? settings.modelID
        stream = body.sampling.stream == true
    }
}

/// A text completion, checked: its prompt is answered as one user message.
struct CheckedCompletion: Sendable {
    var prompt: String
    var asked: AnswerRequest
    var model: String

    init(_ data: Data, settings: ServerSettings, storeMaxTokens: Int) throws(APIError) {
        let body = try JSONBody.decode(CompletionRequest.self, from: data)
        try settings.checkModel(body.model, served: settings.chatModels)
        if body.sampling.stream == true { throw APIError.badRequest("stream is supported on /v1/chat/completions only", param: "stream") }
        prompt = body.prompt
        asked = try body.sampling.answerRequest(system: nil, storeMaxTokens: storeMaxTokens)
        model = body.model ?? settings.modelID
    }
}

/// An embeddings request, checked: one to `maxEmbeddingInputs` non-empty texts.
struct CheckedEmbedding: Sendable {
    var input: [String]
    var base64: Bool
    var model: String

    init(_ data: Data, settings: ServerSettings) throws(APIError) {
        let body = try JSONBody.decode(EmbeddingRequest.self, from: data)
        try settings.checkModel(body.model, served: [settings.embedderID])
        guard !body.input.isEmpty else { throw APIError.badRequest("input is empty", param: "input") }
        guard body.input.count <= settings.maxEmbeddingInputs else {
            throw APIError.badRequest("input has \(body.input.count) texts; at most \(settings.maxEmbeddingInputs) per request", param: "input")
        }
        if let index = body.input.firstIndex(where: \.isEmpty) { throw APIError.badRequest("input[\(index)] is empty", param: "input") }
        let format = body.encoding_format ?? "float"
        guard format == "float" || format == "base64" else {
            throw APIError.badRequest("encoding_format must be float or base64, not '\(format)'", param: "encoding_format")
        }
        input = body.input
        base64 = format == "base64"
        model = body.model ?? settings.embedderID
    }
}

/// Feedback, checked as `gesal feedback` checks it: a reward in range, a correction the store
/// takes, a short source name. Whether the interaction exists is the engine's to say.
struct CheckedFeedback: Sendable {
    var interaction: Int
    var reward: Float
    var correction: String?
    var source: String

    init(_ data: Data) throws(APIError) {
        let body = try JSONBody.decode(FeedbackRequest.self, from: data)
        guard body.reward.isFinite, Limits.reward.contains(Double(body.reward)) else {
            throw APIError.badRequest("reward must be a number from \(Limits.reward.lower) to \(Limits.reward.upper) (+1 right, -2 wrong), not \(body.reward)", param: "reward")
        }
        if let correction = body.correction {
            do { try checkCorrection(correction, "correction") } catch { throw APIError.badRequest(error.message, param: "correction") }
        }
        let source = body.source ?? "api"
        guard (1...32).contains(source.utf8.count), source.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw APIError.badRequest("source must be 1 to 32 letters, digits, - or _", param: "source")
        }
        interaction = body.interaction
        reward = body.reward
        correction = body.correction
        self.source = source
    }
}

/// The routes that read a JSON body. `check` runs a body through the route's checks, as the
/// server does before the engine sees it: public so that `gesal-fuzz` runs exactly this.
public enum BodyRoute: String, CaseIterable, Sendable {
    case chat = "/v1/chat/completions"
    case completion = "/v1/completions"
    case embedding = "/v1/embeddings"
    case feedback = "/v1/feedback"

    /// Throws the `APIError` the server would answer with; returns when the body is one the
    /// route would hand to the engine.
    public func check(_ data: Data, settings: ServerSettings, storeMaxTokens: Int) throws(APIError) {
        switch self {
        case .chat: _ = try CheckedChat(data, settings: settings, storeMaxTokens: storeMaxTokens)
        case .completion: _ = try CheckedCompletion(data, settings: settings, storeMaxTokens: storeMaxTokens)
        case .embedding: _ = try CheckedEmbedding(data, settings: settings)
        case .feedback: _ = try CheckedFeedback(data)
        }
    }
}

extension ServerSettings {
    /// The ids a chat or text completion may name: the model's own, or the alias.
    var chatModels: [String] { [modelID, Self.alias] }

    /// Refuses a model this server does not run, as OpenAI does (404, `model_not_found`).
    func checkModel(_ model: String?, served: [String]) throws(APIError) {
        guard let model, !served.contains(model) else { return }
        throw APIError(.notFound, "the model '\(model)' is not served here; this server runs \(served.map { "'\($0)'" }.joined(separator: " or "))",
                       type: "invalid_request_error", code: "model_not_found", param: "model")
    }
}
