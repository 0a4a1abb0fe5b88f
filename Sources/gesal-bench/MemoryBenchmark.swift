import ArgumentParser
import CHeapStatistics
import CommandLineSupport
import Engine
import EventLog
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GESAL
import SystemIO

struct MemoryBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memory",
        abstract: "A long `gesal serve` session: does the process's memory stay flat over many asks?",
        discussion: helpText("""
        Starts the server in this process on a fresh temporary store and sends --asks chat
        completions one after another (every prompt different), with positive feedback on
        every --feedback-every-th answer, so learning steps run too. The resident set size is
        read from /proc/self/status after the --warmup-th ask and at the end. The projected
        state grows with every ask (it keeps each prompt, answer and embedding), so the
        growth that would be a leak is what is left after the state's own:
          rss_mb_at_N                 after the N-th ask, at the warm-up and every tenth after
          rss_mb_after_warmup, rss_mb_at_end
          rss_growth_kb_per_ask       (end - warm-up) / asks after the warm-up
          state_growth_kb_per_ask     growth of the state's encoding, per ask
          unexplained_kb_per_ask      the first minus the second
          trough_growth_kb_per_ask    the lowest reading of the second half of the asks minus
                                      the lowest of the first, per ask between the halves'
                                      middles: learning steps make the resident set saw up and
                                      down by tens of MB, and the troughs show what stays
        The resident set also holds memory the allocator has been given back but keeps (glibc
        does not return every freed page), so the heap in use, from mallinfo2 (bytes in
        allocated blocks, mmapped ones included), is read at the same points; a leak shows
        there, fragmentation does not:
          heap_mb_at_N, heap_mb_after_warmup, heap_mb_at_end
          heap_growth_kb_per_ask      (end - warm-up) / asks after the warm-up
          unexplained_heap_kb_per_ask the heap's growth minus the state's
        and replay_hash_equal (1 when a replay of the store gives the served state).

        Example:
          swift run -c release gesal-bench memory --asks 1000
        """))

    @OptionGroup var options: EngineModelOptions

    @Option(help: "Chat completions to send.")
    var asks = 1000

    @Option(help: "Asks before the first memory reading (caches, arenas and the SVD cache fill up).")
    var warmup = 100

    @Option(help: "Positive feedback on every N-th answer (0: none).")
    var feedbackEvery = 10

    @Option(help: "The store's longest answer, in tokens.")
    var maxTokens = 8

    func validate() throws {
        guard asks >= 2, (1..<asks).contains(warmup) else { throw ValidationError("--asks must be at least 2 and --warmup from 1 to asks - 1") }
        guard feedbackEvery >= 0 else { throw ValidationError("--feedback-every must be 0 or more") }
        guard (1...512).contains(maxTokens) else { throw ValidationError("--max-tokens must be 1 to 512, not \(maxTokens)") }
    }

    func run() async throws {
        let folder = try FileSystem().makeTemporaryDirectory(prefix: "gesal-memory-bench")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let models = try options.loadModels(embedder: "minilm", svfTargets: EngineConfig().svfTargets)
        let engine = try Engine(writer: try LogWriter.create(at: folder + "/store"), models: models, config: EngineConfig(maxTokens: maxTokens))
        let server = try await LoopbackServer.start(engine: engine, models: models, maxTokens: maxTokens)
        var warm: (rss: Double, heap: Double, state: Int)?
        var readings: [(ask: Int, rss: Double, heap: Double)] = []
        var bar = ProgressBar("asks", total: asks)
        for n in 1...asks {
            let body: [String: Any] = ["model": "gesal", "messages": [["role": "user", "content": "What is \(n) + \(n % 7 + 3)? Answer with a number."]]]
            let reply = try await ServeBenchmark.json(server.base + "/v1/chat/completions", body: body)
            if feedbackEvery > 0, n % feedbackEvery == 0, let interaction = (reply["gesal"] as? [String: Any])?["interaction"] as? Int {
                _ = try await ServeBenchmark.json(server.base + "/v1/feedback", body: ["interaction": interaction, "reward": 1])
            }
            if n == warmup { warm = (try residentMegabytes(), heapMegabytes(), try await server.host.run { $0.state.encoded().count }) }
            if n >= warmup, (n - warmup) % max(1, (asks - warmup) / 10) == 0 { readings.append((n, try residentMegabytes(), heapMegabytes())) }
            bar.update(n)
        }
        bar.finish()
        let end = (rss: try residentMegabytes(), heap: heapMegabytes(), state: try await server.host.run { $0.state.encoded().count })
        await server.stop()
        let measured = Double(asks - warmup)
        let rssGrowth = (end.rss - warm!.rss) * 1024 / measured
        let stateGrowth = Double(end.state - warm!.state) / 1024 / measured
        for reading in readings { print(line("rss_mb_at_\(reading.ask)", reading.rss)) }
        print(line("rss_mb_after_warmup", warm!.rss))
        print(line("rss_mb_at_end", end.rss))
        print(line("rss_growth_kb_per_ask", rssGrowth, decimals: 2))
        print(line("state_growth_kb_per_ask", stateGrowth, decimals: 2))
        print(line("unexplained_kb_per_ask", rssGrowth - stateGrowth, decimals: 2))
        for reading in readings { print(line("heap_mb_at_\(reading.ask)", reading.heap)) }
        print(line("heap_mb_after_warmup", warm!.heap))
        print(line("heap_mb_at_end", end.heap))
        let heapGrowth = (end.heap - warm!.heap) * 1024 / measured
        print(line("heap_growth_kb_per_ask", heapGrowth, decimals: 2))
        print(line("unexplained_heap_kb_per_ask", heapGrowth - stateGrowth, decimals: 2))
        let middle = (warmup + asks) / 2
        let firstHalf = readings.filter { $0.ask <= middle }, secondHalf = readings.filter { $0.ask > middle }
        if let low1 = firstHalf.map(\.rss).min(), let low2 = secondHalf.map(\.rss).min() {
            print(line("trough_growth_kb_per_ask", (low2 - low1) * 1024 / Double(middle - warmup), decimals: 2))
        }
        let replayed = try Replay.run(LogStore(at: folder + "/store")).state
        print("replay_hash_equal=\(replayed.hash == engine.state.hash ? 1 : 0)")
    }

    /// Bytes in allocated heap blocks (arena and mmapped), in MiB.
    private func heapMegabytes() -> Double {
        Double(gesal_heap_bytes_in_use()) / 1_048_576
    }

    /// VmRSS of this process, in MiB.
    private func residentMegabytes() throws -> Double {
        let status = String(decoding: try FileSystem().read("/proc/self/status"), as: UTF8.self)
        guard let row = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Double(row.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "") else {
            throw ValidationError("/proc/self/status has no VmRSS line")
        }
        return kilobytes / 1024
    }
}
