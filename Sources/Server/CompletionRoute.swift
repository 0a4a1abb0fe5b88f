import HTTPTypes
import Hummingbird

extension ServerRoutes {
    /// `POST /v1/completions`: the prompt is answered as one user message in the model's chat
    /// template (GESAL's interactions are questions and answers, not raw continuations).
    @Sendable func complete(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let body = try await JSONBody.decode(CompletionRequest.self, from: request, limit: settings.maxBodyBytes)
        try checkModel(body.model, served: chatModels)
        if body.sampling.stream == true { throw APIError.badRequest("stream is supported on /v1/chat/completions only", param: "stream") }
        let asked = try body.sampling.answerRequest(system: nil, storeMaxTokens: storeMaxTokens)
        try checkPrompt(body.prompt, asked)
        let answer = try await ask(body.prompt, asked)
        var response = try JSONBody.response(Completion(text: answer, model: body.model ?? settings.modelID))
        response.headers[.gesalInteraction] = "\(answer.interaction)"
        return response
    }
}
