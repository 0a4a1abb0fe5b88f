import ArgumentParser
import CommandLineSupport
import Engine
import EventLog
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GESAL
import Hummingbird
import Server
import SystemIO

struct ServeBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "`gesal serve` under load: latency and aggregate tokens/s at several numbers of concurrent clients.",
        discussion: helpText("""
        Starts the server in this process on a loopback port, on a fresh temporary store, and
        sends chat completions from C concurrent clients (each --requests in turn, every
        prompt different) for each C of --clients. Prints, per C:
          serve_cC_requests          requests sent
          serve_cC_errors            responses that were not 200 (must be 0)
          serve_cC_p50_ms, _p99_ms   request latency, as a client sees it (queueing included)
          serve_cC_aggregate_tok_s   completion tokens of all clients / wall time
        and then
          aggregate_vs_single_ratio_cN   aggregate_tok_s at the largest C / at C = 1
          replay_hash_equal              1 when a replay of the store gives /health's state hash

        Questions decode together, up to --max-batch at a time, and a question that arrives
        while others decode joins them at the next step; --max-batch 1 answers one at a time,
        the baseline the batching is measured against. --answers long (the default) asks for
        three sentences, answers of tens of tokens as in chat, where decoding is most of the
        work; --answers short asks for a sum, answers of a few tokens, where reading the
        prompt is (a batch's prompts are read together, and a joiner's beside the others'
        next tokens; docs/serve.md).

        Example:
          swift run -c release gesal-bench serve --clients 1,4,16 --requests 4
          swift run -c release gesal-bench serve --clients 1,16 --answers short --max-tokens 24
          swift run -c release gesal-bench serve --clients 1,16 --max-batch 1
        """))

    @OptionGroup var options: EngineModelOptions

    @Option(help: "Concurrent clients to measure, comma-separated.")
    var clients: String = "1,4,16"

    @Option(help: "Requests each client sends, one after another.")
    var requests = 4

    /// What the clients ask.
    enum Answers: String, ExpressibleByArgument, CaseIterable {
        /// "Write three sentences about the number N.": answers of tens of tokens, as in chat.
        case long
        /// "What is N + M? Answer with a number.": answers of a few tokens; reading the prompt
        /// is most of the work.
        case short

        func prompt(_ n: Int) -> String {
            switch self {
            case .long: "Write three sentences about the number \(n)."
            case .short: "What is \(n) + \(n % 7 + 3)? Answer with a number."
            }
        }
    }

    @Option(help: "What the clients ask: long (three sentences, tens of tokens each) or short (a sum, a few tokens).")
    var answers = Answers.long

    @Option(help: "The store's longest answer, in tokens.")
    var maxTokens = 64

    @Option(help: "The most questions decoded together (1: one at a time).")
    var maxBatch = 16

    @Option(help: "How long, in milliseconds, a batch that finds the engine idle waits for more questions (0: not at all; no wait with --max-batch 1).")
    var batchWindowMs = 5

    func validate() throws {
        guard let levels = NumberList.parse(clients), !levels.isEmpty, levels.allSatisfy({ (1...64).contains($0) }) else {
            throw ValidationError("--clients must be numbers from 1 to 64, comma-separated, not '\(clients)'")
        }
        guard (1...20).contains(requests) else { throw ValidationError("--requests must be 1 to 20, not \(requests)") }
        guard (1...256).contains(maxBatch) else { throw ValidationError("--max-batch must be 1 to 256, not \(maxBatch)") }
        guard (0...1000).contains(batchWindowMs) else { throw ValidationError("--batch-window-ms must be 0 to 1000, not \(batchWindowMs)") }
        guard (1...512).contains(maxTokens) else { throw ValidationError("--max-tokens must be 1 to 512, not \(maxTokens)") }
    }

    func run() async throws {
        let folder = try FileSystem().makeTemporaryDirectory(prefix: "gesal-serve-bench")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let models = try options.loadModels(embedder: "minilm", svfTargets: EngineConfig().svfTargets)
        let engine = try Engine(writer: try LogWriter.create(at: folder + "/store"), models: models, config: EngineConfig(maxTokens: maxTokens))
        let server = try await LoopbackServer.start(engine: engine, models: models, maxTokens: maxTokens, maxBatch: maxBatch,
                                                    batchWindow: .milliseconds(batchWindowMs))
        let host = server.host, base = server.base
        var aggregate: [Int: Double] = [:]
        var asked = 0
        print("answers=\(answers.rawValue)")
        print("max_tokens=\(maxTokens)")
        print("max_batch=\(maxBatch)")
        print("batch_window_ms=\(host.batchWindow.components.seconds * 1000 + host.batchWindow.components.attoseconds / 1_000_000_000_000_000)")
        for level in NumberList.parse(clients)! {
            let round = try await measure(base: base, clients: level, offset: asked)
            asked += level * requests
            aggregate[level] = round.tokensPerSecond
            print("serve_c\(level)_requests=\(level * requests)")
            print("serve_c\(level)_errors=\(round.errors)")
            print(line("serve_c\(level)_p50_ms", percentile(round.latencies, 0.5) * 1000))
            print(line("serve_c\(level)_p99_ms", percentile(round.latencies, 0.99) * 1000))
            print(line("serve_c\(level)_aggregate_tok_s", round.tokensPerSecond))
        }
        let levels = NumberList.parse(clients)!
        if let single = aggregate[1], let most = levels.max(), most > 1 {
            print(line("aggregate_vs_single_ratio_c\(most)", aggregate[most]! / single, decimals: 2))
        }
        let health = try await Self.json(base + "/health", body: nil)
        await server.stop()
        let replayed = try Replay.run(LogStore(at: folder + "/store")).state.hash.hex
        print("replay_hash_equal=\(health["state_hash"] as? String == replayed ? 1 : 0)")
    }

    struct Round { var latencies: [Double]; var errors: Int; var tokensPerSecond: Double }

    /// `clients` tasks, each sending its requests in turn; every prompt is new.
    func measure(base: String, clients: Int, offset: Int) async throws -> Round {
        let start = monotonicSeconds(), requests = self.requests, answers = self.answers
        let results = try await withThrowingTaskGroup(of: [(Double, Int?)].self) { group in
            for client in 0..<clients {
                group.addTask {
                    var mine: [(Double, Int?)] = []
                    for k in 0..<requests {
                        let n = offset + client * requests + k
                        let body: [String: Any] = ["model": "gesal", "messages": [["role": "user", "content": answers.prompt(n)]]]
                        let begun = monotonicSeconds()
                        let reply = try? await Self.json(base + "/v1/chat/completions", body: body)
                        let tokens = (reply?["usage"] as? [String: Any])?["completion_tokens"] as? Int
                        mine.append((monotonicSeconds() - begun, tokens))
                    }
                    return mine
                }
            }
            var all: [(Double, Int?)] = []
            for try await part in group { all += part }
            return all
        }
        let wall = monotonicSeconds() - start
        let tokens = results.compactMap(\.1).reduce(0, +)
        return Round(latencies: results.map(\.0), errors: results.filter { $0.1 == nil }.count, tokensPerSecond: Double(tokens) / wall)
    }

    /// The clients' connections. `URLSession.shared` opens at most 6 per host, which would
    /// make 16 clients 6.
    static let session: URLSession = {
        let configuration = URLSessionConfiguration.default
        configuration.httpMaximumConnectionsPerHost = 64
        return URLSession(configuration: configuration)
    }()

    /// A GET (no body) or a JSON POST; a status other than 200 is an error.
    static func json(_ url: String, body: [String: Any]?) async throws -> [String: Any] {
        var request = URLRequest(url: URL(string: url)!)
        request.timeoutInterval = 600
        if let body {
            request.httpMethod = "POST"
            request.setValue("application/json", forHTTPHeaderField: "content-type")
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
        }
        let (data, response) = try await session.data(for: request)
        guard (response as? HTTPURLResponse)?.statusCode == 200 else {
            throw ValidationError("\(url) answered \((response as? HTTPURLResponse)?.statusCode ?? 0): \(String(decoding: data, as: UTF8.self))")
        }
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }
}
