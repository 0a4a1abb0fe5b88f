import Engine
import EventLog
import Foundation
import GESAL
import Hummingbird
import HummingbirdTesting
import Server
import SystemIO
import TestSupport

/// A server on a fresh store in a scratch folder, driven through Hummingbird's router test
/// client (no socket). The store's answers are short (12 tokens) and it learns at every
/// feedback, so a test stays within seconds.
final class ServerHarness: Sendable {
    static let config = EngineConfig(bufferSize: 1, maxTokens: 12)
    static let jsonHeaders: HTTPFields = [.contentType: "application/json"]

    let folder: String
    let host: EngineHost
    let routes: ServerRoutes

    init(apiKey: String? = nil, maxBodyBytes: Int = 1 << 20, batchWindow: Duration = .milliseconds(5), config: EngineConfig = config) throws {
        folder = try FileSystem().makeTemporaryDirectory(prefix: "gesal-serve")
        let engine = try RealModels.engine(at: folder + "/store", config: config)
        host = EngineHost(engine: engine, batchWindow: batchWindow)
        routes = ServerRoutes(host: host, settings: ServerSettings(apiKey: apiKey, maxBodyBytes: maxBodyBytes, modelID: "smollm2", embedderID: "minilm"),
                              storeMaxTokens: Self.config.maxTokens)
    }

    var store: String { folder + "/store" }

    deinit { try? FileManager.default.removeItem(atPath: folder) }

    func test(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await GESALServer.application(routes: routes).test(.router, body)
    }

    static func chatBody(_ user: String, extra: String = "") -> ByteBuffer {
        let content = String(decoding: try! JSONEncoder().encode(user), as: UTF8.self)
        return ByteBuffer(string: #"{"model":"gesal","messages":[{"role":"user","content":\#(content)}]\#(extra)}"#)
    }
}

extension TestResponse {
    /// The body as a JSON object.
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:] }
    var text: String { String(buffer: body) }
    /// OpenAI's error object: `error.message`, `error.code`, `error.param`.
    var error: [String: Any] { json["error"] as? [String: Any] ?? [:] }
}
