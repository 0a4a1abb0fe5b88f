import HTTPTypes
import Hummingbird

extension ServerRoutes {
    /// `POST /v1/completions`: the prompt is answered as one user message in the model's chat
    /// template (GESAL's interactions are questions and answers, not raw continuations).
    @Sendable func complete(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let completion = try CheckedCompletion(try await JSONBody.bytes(of: request, limit: settings.maxBodyBytes), settings: settings,
                                               storeMaxTokens: storeMaxTokens)
        try checkPrompt(completion.prompt, completion.asked)
        let answer = try await ask(completion.prompt, completion.asked)
        var response = try JSONBody.response(Completion(text: answer, model: completion.model))
        response.headers[.gesalInteraction] = "\(answer.interaction)"
        return response
    }
}
