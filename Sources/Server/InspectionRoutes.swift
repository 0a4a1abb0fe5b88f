import Engine
import EventLog
import Foundation
import GESAL
import Hummingbird

/// `GET /v1/interactions/{id}`: what was asked and answered, and the feedback given since.
struct InteractionReply: Encodable, Sendable {
    var interaction: Int
    var prompt: String
    var response: String
    var node: Int
    var rewards: [Float]
    var correction: String?
}

/// `GET /v1/audit/{node|adapter|interaction}/{id}`: `gesal-log audit` as JSON.
struct AuditReply: Encodable, Sendable {
    struct Entry: Encodable, Sendable { var event: UInt64; var time: String; var type: String; var text: String }
    var subject: String
    var entries: [Entry]
}

/// `GET /health`: the branch's head and state hash, which `gesal-log replay` of the store gives.
struct HealthReply: Encodable, Sendable {
    var status = "ok"
    var branch: String
    var head: UInt64
    var state_hash: String
    var interactions: Int
    var nodes: Int
    var model: String
    var queue_depth: Int
}

extension ServerRoutes {
    @Sendable func models(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let created = Int(Date().timeIntervalSince1970)
        return try JSONBody.response(ModelList(data: [settings.modelID, settings.embedderID].map { .init(id: $0, created: created) }))
    }

    @Sendable func interaction(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let id = try number(context.parameters.get("id"), what: "interaction")
        let reply = try await host.run { engine -> InteractionReply in
            guard let recorded = engine.state.interactions[id] else {
                throw APIError.notFound("no interaction \(id) on branch '\(engine.branch)' (it has \(engine.state.interactions.count))")
            }
            return InteractionReply(interaction: id, prompt: recorded.prompt, response: recorded.response, node: recorded.node,
                                    rewards: recorded.rewards, correction: recorded.correction)
        }
        return try JSONBody.response(reply)
    }

    @Sendable func audit(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let kind = context.parameters.get("kind") ?? "", id = context.parameters.get("id") ?? ""
        let subject: Audit.Subject
        switch kind {
        case "node": subject = .node(try number(id, what: "node"))
        case "interaction": subject = .interaction(try number(id, what: "interaction"))
        case "adapter": subject = .adapter(id)
        default: throw APIError.notFound("there is no audit of '\(kind)': audit a node, an adapter or an interaction")
        }
        let entries = try await host.run { engine in try Audit.trace(subject, in: engine.writer.history, branch: engine.branch) }
        return try JSONBody.response(AuditReply(subject: "\(kind) \(id)", entries: entries.map {
            .init(event: $0.sequence, time: isoTime(nanos: $0.timeNanos), type: $0.type, text: $0.text)
        }))
    }

    @Sendable func health(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let model = settings.modelID, metrics = host.metrics
        let reply = try await host.run { engine in
            HealthReply(branch: engine.branch, head: engine.head, state_hash: engine.state.hash.hex, interactions: engine.state.interactions.count,
                        nodes: engine.state.nodes.count, model: model, queue_depth: metrics.queueDepth - 1)
        }
        return try JSONBody.response(reply)
    }

    @Sendable func metrics(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: ResponseBody(byteBuffer: ByteBuffer(string: host.metrics.text())))
    }

    private func number(_ text: String?, what: String) throws(APIError) -> Int {
        guard let text, let value = Int(text), value >= 1 else {
            throw APIError.badRequest("'\(text ?? "")' is not a\(what.first == "i" ? "n" : "") \(what) number (1, 2, ...)")
        }
        return value
    }
}
