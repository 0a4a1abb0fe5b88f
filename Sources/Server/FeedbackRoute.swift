import Engine
import GESAL
import Hummingbird

/// What `POST /v1/feedback` answers: the feedback's event, and what learning it set off.
struct FeedbackReply: Encodable, Sendable {
    var event: UInt64
    /// "buffered", "learned", "rejected" (the guard refused the update) or "memory" (a
    /// negative reward on a store that keeps those as memory only).
    var outcome: String
    var node: Int
    var buffered: Int
    var buffer_size: Int
    var adapter: String?
    var loss: Float?
    var rejection: String?
    /// The state hash after it: what `gesal-log replay` of the store gives now.
    var state_hash: String
    /// SAGE's judgement of the feedback, in a store made with a trigger (docs/sage.md).
    var trigger: TriggerReply?
}

/// A trigger's judgement, as the feedback route reports it.
struct TriggerReply: Encodable, Sendable {
    var fired: Bool
    /// "negativeFeedback", "score" or "none".
    var cause: String
    /// The weighted badness, absent before the trigger's calibration when nothing else scored.
    var score: Float?
    var threshold: Float

    init?(_ trigger: TriggerFired?) {
        guard let trigger, let judgement = trigger.judgement else { return nil }
        fired = judgement.fired
        cause = judgement.cause.rawValue
        score = judgement.score
        threshold = trigger.threshold
    }
}

extension ServerRoutes {
    /// `POST /v1/feedback` `{interaction, reward, correction?}`: the same as `gesal feedback`.
    /// It answers once the feedback and any learning step it set off are durable in the log.
    @Sendable func feedback(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let body = try CheckedFeedback(try await JSONBody.bytes(of: request, limit: settings.maxBodyBytes))
        let source = body.source
        let metrics = host.metrics
        let reply = try await host.run { engine in
            let outcome = try engine.feedback(interaction: body.interaction, reward: body.reward, source: source, correction: body.correction)
            if outcome.step != nil { metrics.learned() }
            let node = outcome.step?.node ?? engine.state.interactions[body.interaction]!.node
            let result = outcome.memoryOnly ? "memory" : outcome.step.map { $0.rejection == nil ? "learned" : "rejected" } ?? "buffered"
            return FeedbackReply(event: outcome.sequence, outcome: result, node: node, buffered: outcome.buffered, buffer_size: outcome.bufferSize,
                                 adapter: engine.state.nodes[node]?.adapterBlob, loss: outcome.step.flatMap { $0.rejection == nil ? $0.loss : nil },
                                 rejection: outcome.step?.rejection, state_hash: engine.state.hash.hex, trigger: TriggerReply(outcome.trigger))
        }
        return try JSONBody.response(reply)
    }
}
