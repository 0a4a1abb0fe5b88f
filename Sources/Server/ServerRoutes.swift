import Engine
import Foundation
import GESAL
import Hummingbird
import Models

/// The routes of `gesal serve`, each a small function of a request; `register` lists them all.
/// Everything that touches the engine goes through `host`, one request at a time.
public struct ServerRoutes: Sendable {
    public let host: EngineHost
    public let settings: ServerSettings
    /// The store's longest answer, in tokens: `max_tokens` above it is capped to it.
    public let storeMaxTokens: Int

    public init(host: EngineHost, settings: ServerSettings, storeMaxTokens: Int) {
        self.host = host
        self.settings = settings
        self.storeMaxTokens = storeMaxTokens
    }

    public func register(on router: Router<BasicRequestContext>) {
        router.post("v1/chat/completions", use: chat)
        router.post("v1/completions", use: complete)
        router.post("v1/embeddings", use: embed)
        router.get("v1/models", use: models)
        router.post("v1/feedback", use: feedback)
        router.get("v1/interactions/:id", use: interaction)
        router.get("v1/audit/:kind/:id", use: audit)
        router.get("health", use: health)
        router.get("metrics", use: metrics)
    }

    /// Refuses a prompt the engine would refuse (`Engine.checkAskable`), before the request
    /// waits its turn.
    func checkPrompt(_ prompt: String, _ request: AnswerRequest) throws(APIError) {
        do {
            try Engine.checkAskable(prompt, request: request, language: host.models.language)
        } catch let error as ModelError {
            throw .badRequest(error.message, param: "messages")  // the model's path stays on the server
        } catch {
            throw .badRequest("\(error)", param: "messages")
        }
    }

    /// Asks the engine, in one batch with the questions waiting with it. `onStart` gets the
    /// interaction's number when the request's turn comes; `onText` the answer's text as it
    /// is generated.
    func ask(_ prompt: String, _ request: AnswerRequest, onStart: @escaping @Sendable (Int) -> Void = { _ in },
             onText: @escaping @Sendable (String) -> Void = { _ in }) async throws -> Engine.Answer {
        try await host.ask(Engine.Question(prompt, request: request, onStart: onStart, onText: onText))
    }
}
