import Dispatch
import Hummingbird

extension ServerRoutes {
    /// `POST /v1/embeddings`: the embedder GESAL routes with (MiniLM), so a client can see why
    /// two prompts share a node. Nothing is recorded. The models are immutable, so this does
    /// not wait behind answers; it runs on a thread of its own like the engine.
    @Sendable func embed(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let body = try await JSONBody.decode(EmbeddingRequest.self, from: request, limit: settings.maxBodyBytes)
        try checkModel(body.model, served: [settings.embedderID])
        guard !body.input.isEmpty else { throw APIError.badRequest("input is empty", param: "input") }
        guard body.input.count <= settings.maxEmbeddingInputs else {
            throw APIError.badRequest("input has \(body.input.count) texts; at most \(settings.maxEmbeddingInputs) per request", param: "input")
        }
        if let index = body.input.firstIndex(where: \.isEmpty) { throw APIError.badRequest("input[\(index)] is empty", param: "input") }
        let format = body.encoding_format ?? "float"
        guard format == "float" || format == "base64" else {
            throw APIError.badRequest("encoding_format must be float or base64, not '\(format)'", param: "encoding_format")
        }
        let embedder = host.models.embedder
        let vectors = await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async { continuation.resume(returning: body.input.map(embedder.embed)) }
        }
        let tokens = body.input.reduce(0) { $0 + embedder.tokenCount($1) }
        return try JSONBody.response(EmbeddingList(
            data: vectors.enumerated().map { .init(index: $0.offset, embedding: EmbeddingVector(values: $0.element, base64: format == "base64")) },
            model: body.model ?? settings.embedderID, usage: .init(prompt_tokens: tokens, total_tokens: tokens)))
    }
}
