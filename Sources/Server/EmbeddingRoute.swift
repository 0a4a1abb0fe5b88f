import Dispatch
import Hummingbird

extension ServerRoutes {
    /// `POST /v1/embeddings`: the embedder GESAL routes with (MiniLM), so a client can see why
    /// two prompts share a node. Nothing is recorded. The models are immutable, so this does
    /// not wait behind answers; it runs on a thread of its own like the engine.
    @Sendable func embed(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let body = try CheckedEmbedding(try await JSONBody.bytes(of: request, limit: settings.maxBodyBytes), settings: settings)
        let embedder = host.models.embedder
        let vectors = await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async { continuation.resume(returning: body.input.map(embedder.embed)) }
        }
        let tokens = body.input.reduce(0) { $0 + embedder.tokenCount($1) }
        return try JSONBody.response(EmbeddingList(
            data: vectors.enumerated().map { .init(index: $0.offset, embedding: EmbeddingVector(values: $0.element, base64: body.base64)) },
            model: body.model, usage: .init(prompt_tokens: tokens, total_tokens: tokens)))
    }
}
