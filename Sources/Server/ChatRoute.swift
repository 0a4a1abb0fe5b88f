import Engine
import Foundation
import GESAL
import HTTPTypes
import Hummingbird

extension ServerRoutes {
    /// `POST /v1/chat/completions`: answers the last user message as `gesal ask` would (routed
    /// by its MiniLM embedding to a node, answered with that node's adapter), after the system
    /// message and earlier turns, with the sampling fields given, and records the interaction. With `stream`, the
    /// answer comes as server-sent events in OpenAI's chunk format, ending in `[DONE]`.
    @Sendable func chat(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let chat = try CheckedChat(try await JSONBody.bytes(of: request, limit: settings.maxBodyBytes), settings: settings,
                                   storeMaxTokens: storeMaxTokens)
        try checkPrompt(chat.prompt.user, chat.asked)
        if chat.stream {
            return try await stream(chat.prompt.user, chat.asked, model: chat.model, includeUsage: true)
        }
        let answer = try await ask(chat.prompt.user, chat.asked)
        var response = try JSONBody.response(Completion(chat: answer, model: chat.model))
        response.headers[.gesalInteraction] = "\(answer.interaction)"
        return response
    }

    /// The streamed answer. The interaction's number is known once the request's turn comes,
    /// and the response (with its `X-Gesal-Interaction` header) starts then. Text that could
    /// still be the start of a stop string is held back until it is not.
    func stream(_ prompt: String, _ asked: AnswerRequest, model: String, includeUsage: Bool) async throws -> Response {
        let (turn, turnStarted) = AsyncStream<Int>.makeStream()
        let (pieces, piece) = AsyncStream<String>.makeStream()
        // Not tied to the request: a client that goes away mid-stream still gets its
        // interaction recorded, whole.
        let answering = Task {
            defer { piece.finish() }
            return try await ask(prompt, asked, onStart: { turnStarted.yield($0); turnStarted.finish() }, onText: { piece.yield($0) })
        }
        guard let interaction = await turn.first(where: { _ in true }) else { _ = try await answering.value; throw CancellationError() }
        let id = "chatcmpl-gesal-\(interaction)", created = Int(Date().timeIntervalSince1970)
        let stops = asked.stop ?? []
        let body = ResponseBody { writer in
            func send(_ event: some Encodable) async throws {
                try await writer.write(ByteBuffer(string: "data: " + String(decoding: try JSONBody.data(event), as: UTF8.self) + "\n\n"))
            }
            func delta(_ role: String?, _ text: String?, finish: String? = nil) -> ChatChunk {
                ChatChunk(id: id, created: created, model: model, choices: [.init(delta: .init(role: role, content: text), finish_reason: finish)])
            }
            try await send(delta("assistant", ""))
            var held = StopHoldback(stops: stops)
            for await text in pieces {
                let ready = held.append(text)
                if !ready.isEmpty { try await send(delta(nil, ready)) }
            }
            do {
                let answer = try await answering.value
                let rest = held.remainder(of: answer.text)
                if !rest.isEmpty { try await send(delta(nil, rest)) }
                var last = delta(nil, nil, finish: answer.finishReason)
                last.gesal = GESALInfo(answer)
                try await send(last)
                if includeUsage {
                    try await send(ChatChunk(id: id, created: created, model: model, choices: [], usage: Usage(answer)))
                }
            } catch {
                // The status line is gone: the error travels in the stream, as OpenAI's does.
                try await send(ServerMiddleware.apiError(error, limit: settings.maxBodyBytes).body)
            }
            try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache", .gesalInteraction: "\(interaction)"],
                        body: body)
    }
}

extension HTTPField.Name {
    /// The interaction an answer was recorded as: what `POST /v1/feedback` takes.
    static let gesalInteraction = HTTPField.Name("X-Gesal-Interaction")!
}
