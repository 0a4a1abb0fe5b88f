import Engine
import Foundation
import GESAL
import Hummingbird
import Server

/// `gesal serve` in this process on a free loopback port, for the benchmarks that drive it
/// over HTTP.
struct LoopbackServer {
    let base: String
    let host: EngineHost
    private let task: Task<Void, any Error>

    static func start(engine: Engine, models: EngineModels, maxTokens: Int, maxBatch: Int = 16,
                      batchWindow: Duration = .milliseconds(5)) async throws -> LoopbackServer {
        let host = EngineHost(engine: engine, maxBatch: maxBatch, batchWindow: batchWindow)
        let routes = ServerRoutes(host: host, settings: ServerSettings(port: 0, modelID: "bench", embedderID: models.embedder.name),
                                  storeMaxTokens: maxTokens)
        let (ports, portFound) = AsyncStream<Int>.makeStream()
        let app = GESALServer.application(routes: routes) { port in
            portFound.yield(port)
            portFound.finish()
        }
        let task = Task { try await app.run() }
        guard let port = await ports.first(where: { _ in true }) else {
            task.cancel()
            throw EngineError(.invalidRequest, "the loopback server did not start")
        }
        return LoopbackServer(base: "http://127.0.0.1:\(port)", host: host, task: task)
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}
