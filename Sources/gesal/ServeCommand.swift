import ArgumentParser
import CommandLineSupport
import Dispatch
import Engine
import Foundation
import GESAL
import Hummingbird
import PostgresLog
import Server

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the store over OpenAI's HTTP API, with a feedback route that makes it learn.",
        discussion: helpText("""
        Clients that speak OpenAI's API (its Python and JavaScript packages, chat apps,
        evaluation harnesses) can ask the store's model; every answer is an interaction in
        the log, and POST /v1/feedback teaches it, as `gesal feedback` does. One process owns
        the model and the log and serves requests in arrival order. Questions decode
        together, up to --max-batch at a time; one that arrives while others decode joins
        them at the next step, and each answer is recorded and returned as soon as it ends,
        the one it would have been alone. A question asked after a feedback waits for that
        feedback's learning step. A question that finds the engine idle waits
        --batch-window-ms (5) for others sent at the same moment. On a postgres:// store,
        several workers share one history: each folds what the others commit before every
        request (docs/scale-out.md).

        Routes: POST /v1/chat/completions (stream too), POST /v1/completions,
        POST /v1/embeddings, GET /v1/models, POST /v1/feedback, GET /v1/interactions/ID,
        GET /v1/audit/node|adapter|interaction/ID, GET /health, GET /metrics.
        docs/serve.md has every route, its limits and the security settings.

        Examples:
          gesal serve                                   http://127.0.0.1:8080, ./.gesal
          curl -s localhost:8080/v1/chat/completions -H 'content-type: application/json' \\
            -d '{"model":"gesal","messages":[{"role":"user","content":"What is 12 + 7?"}]}'
          curl -s localhost:8080/v1/feedback -d '{"interaction":1,"reward":-2,"correction":"19"}'
          gesal serve --host 0.0.0.0 --api-key-file key.txt   reachable from elsewhere
          gesal serve --port 0                          any free port (printed at start)

        SIGTERM or Ctrl-C stop accepting requests and finish those in flight; each answer
        and feedback is durable in the log before it is acknowledged.
        """))

    @OptionGroup var engine: EngineOptions

    @Option(help: "The address to listen on. Anything but loopback needs --api-key-file.")
    var host: String = "127.0.0.1"

    @Option(help: "The port (0: any free one, printed at start).")
    var port: Int = 8080

    @Option(help: ArgumentHelp("A file holding the API key clients must send as 'Authorization: Bearer KEY'.", valueName: "FILE"))
    var apiKeyFile: String?

    @Option(help: "The largest request body, in bytes.")
    var maxBodyBytes: Int = 1 << 20

    @Option(help: "The most answers decoding together (1: one at a time).")
    var maxBatch: Int = 16

    @Option(help: "How long, in milliseconds, a batch that finds the engine idle waits for more questions (0: not at all; no wait with --max-batch 1).")
    var batchWindowMs = 5

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0 to 65535, not \(port)") }
        guard (1...256).contains(maxBatch) else { throw ValidationError("--max-batch must be 1 to 256, not \(maxBatch)") }
        guard (0...1000).contains(batchWindowMs) else { throw ValidationError("--batch-window-ms must be 0 to 1000, not \(batchWindowMs)") }
        guard (1_024...(64 << 20)).contains(maxBodyBytes) else { throw ValidationError("--max-body-bytes must be 1024 to 67108864, not \(maxBodyBytes)") }
        guard apiKeyFile != nil || ServerSettings.isLoopback(host) else {
            throw ValidationError("--host \(host) is reachable from other machines: give --api-key-file (a file with the key clients must send)")
        }
    }

    /// On a shared store (PostgreSQL), the worker folds what others commit as it hears of it
    /// (LISTEN), and once a second in case a notification was lost; requests catch up anyway.
    static func follow(_ store: String, host: EngineHost) throws -> Following? {
        guard PostgresLocation.isURL(store) else { return nil }
        let listener = try PostgresFollower(store) { _, _ in host.nudge() }
        let poll = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
        poll.schedule(deadline: .now() + 1, repeating: 1)
        poll.setEventHandler { host.nudge() }
        poll.resume()
        return Following(listener: listener, poll: poll)
    }

    /// What `follow` keeps running, until `stop`.
    struct Following {
        let listener: PostgresFollower
        let poll: any DispatchSourceTimer

        func stop() {
            poll.cancel()
            listener.stop()
        }
    }

    /// The key in `path`: its first line, at least 16 characters, so a guess is not cheap.
    static func readKey(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("--api-key-file: cannot read \(path)") }
        guard let line = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first?
            .trimmingCharacters(in: .whitespaces), line.count >= 16 else {
            throw ValidationError("--api-key-file: \(path) must hold a key of at least 16 characters on its first line")
        }
        return line
    }

    func run() async throws {
        try await reportingErrors {
            let key = try apiKeyFile.map(Self.readKey)
            let opened = try engine.openEngine()
            let settings = ServerSettings(host: host, port: port, apiKey: key, maxBodyBytes: maxBodyBytes,
                                          modelID: URL(fileURLWithPath: opened.models.language.path).deletingPathExtension().lastPathComponent,
                                          embedderID: opened.models.embedder.name)
            let maxTokens = opened.config.maxTokens, branch = engine.branch, store = engine.storeShown
            let host = EngineHost(engine: opened, maxBatch: maxBatch, batchWindow: .milliseconds(batchWindowMs))
            let following = try Self.follow(engine.store, host: host)
            defer { following?.stop() }
            let routes = ServerRoutes(host: host, settings: settings, storeMaxTokens: maxTokens)
            let app = GESALServer.application(routes: routes) { port in
                // One line on standard output, for scripts that start the server and wait for it.
                FileHandle.standardOutput.write(Data(
                    "gesal serve: listening on http://\(settings.host):\(port) (store \(store), branch \(branch), model \(settings.modelID))\n".utf8))
            }
            try await app.runService()
            writeStandardError("gesal serve: stopped\n")
        }
    }
}
