import CommandLineSupport
import ArgumentParser
import Foundation
import Models
import Tensor

struct InferBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Model load, prefill and decode speed, and how close decode gets to memory bandwidth.",
        discussion: helpText("""
          load_s                    loading and preparing the weights
          prefill_tok_s             a --tokens prompt read as generation reads it (the row kernel up to 128
                                    tokens, OpenBLAS past that)
          decode_tok_s              128 greedy one-token steps after it
          mem_bandwidth_gb_s        streaming a 1 GiB buffer through OpenBLAS (sasum), same threads, this run
          weight_bytes_per_token    bytes of weights one decode step reads
          decode_roofline_fraction  decode_tok_s · weight_bytes_per_token / mem_bandwidth
          prefill_vs_decode_ratio   prefill tokens per second over decode tokens per second
          batched_decode_tok_s_bB   B sequences decoding together (LlamaModel.decode), tokens of all per second
                                    (issue 14's names; before 2026-12-04 printed as decode_batchB_tok_s)
          batched_bB_vs_single_ratio  batched_decode_tok_s_bB / decode_tok_s
          kernel                    the SIMD path of the products that ran: block_kernel with blocks, row_kernel
                                    with float32
          weights                   how the matrices are held: blocks (the file's quantised blocks) or float32
          block_kernel              the kernel of the quantised products (--weights blocks): avx2 or portable,
                                    the same bits either way
          row_kernel                the kernel of Float32 products in prompts and decode steps: avx512f, avx2-fma or
                                    portable (each row-independent; avx512f gives avx2-fma's bits, portable differs
                                    in the last bits)
          K_batchB_tok_s            batched_decode_tok_s_bB with another kernel K this CPU runs for these weights
                                    (block kernels with blocks, row kernels with float32), for B = 1 and the largest B
          row_kernel_vs_K_batchB    the chosen kernel's rate over K's, timed right after it (block_kernel_vs_K_batchB
                                    with blocks)

        Example:
          swift run -c release gesal-bench infer --threads 2
        """))

    @OptionGroup var options: ModelOptions
    var model: String { options.model }
    var threads: Int { options.threads }

    @Option(help: "Prompt tokens for prefill, and tokens to decode.")
    var tokens = 128

    @Option(help: "Batch sizes to decode together, comma-separated.")
    var batches = "8,16"

    @Option(help: "How the weight matrices are held: blocks-svf-int16 (the default), blocks-lora-beside, blocks-svf-q5 or blocks (quantised, as in the file; they differ only in how adapters are held) or float32 (dequantised at load).")
    var weights: WeightStorage = .defaultForNewStores

    func validate() throws {
        guard (1...400).contains(tokens) else { throw ValidationError("--tokens must be 1 to 400, not \(tokens)") }
        guard let sizes = NumberList.parse(batches), !sizes.isEmpty, sizes.allSatisfy({ (1...256).contains($0) }) else {
            throw ValidationError("--batches must be numbers from 1 to 256, comma-separated, not '\(batches)'")
        }
    }

    func run() throws {
        BLAS.setThreads(threads)
        var loaded: LanguageModel!
        let loadSeconds = try timed { loaded = try LanguageModel.load(gguf: model, storage: weights) }
        let llama = loaded.model
        let text = String(repeating: "The event log records every interaction, feedback and adapter update. ", count: 40)
        let prompt = Array(loaded.tokenizer.encode(text).prefix(tokens))
        precondition(prompt.count == tokens, "the benchmark prompt is too short")

        var cache = llama.makeCache(capacity: 2 * tokens + 1)
        // Warm up the threads and caches, OpenBLAS's and the row kernel's.
        _ = llama.prefill(Array(prompt.prefix(8)), cache: &cache)
        cache.truncate(to: 0)
        _ = llama.forward(Array(prompt.prefix(8)), cache: &cache)
        cache.truncate(to: 0)
        var logits: [Float] = []
        // Read as generation reads it: in a step (the row kernel), or alone through OpenBLAS when long.
        let prefillSeconds = timed {
            logits = tokens > LanguageModel.longPrompt ? llama.prefill(prompt, cache: &cache) : llama.forward(prompt, cache: &cache)
        }
        let decodeSeconds = timed {
            var caches = [cache]
            for _ in 0..<tokens { logits = llama.decode([Sampler.argmax(logits)], caches: &caches)[0] }
            cache = caches[0]
        }
        let decode = Double(tokens) / decodeSeconds
        /// Tokens per second of `size` sequences decoding together from the prompt's cache.
        func batchRate(_ size: Int) -> Double {
            cache.truncate(to: tokens)
            var caches = Array(repeating: cache, count: size)  // each copy grows on its own
            let steps = max(1, tokens / 4)
            let seconds = timed {
                var next = Array(repeating: Sampler.argmax(logits), count: size)
                for _ in 0..<steps { next = llama.decode(next, caches: &caches).map(Sampler.argmax) }
            }
            return Double(size * steps) / seconds
        }
        let sizes = NumberList.parse(batches)!
        let batched = sizes.map { ($0, batchRate($0)) }
        // The other kernels this CPU runs for these weights, each timed right after the chosen
        // one on the same steps.
        var kernelSpeedups: [(kernel: String, size: Int, rate: Double, chosen: Double)] = []
        let blockFormat = llama.weights.layers.first?.gate.format
        let others: [(String, (() -> Double) -> Double)] = if let format = blockFormat {
            QuantizedMatrix.Kernel.allCases.filter { $0.runs(format) && $0 != QuantizedMatrix.kernel(for: format) }
                .map { kernel in (kernel.rawValue, { rate in QuantizedMatrix.using(kernel, rate) }) }
        } else {
            RowProducts.Kernel.available.filter { $0 != RowProducts.kernel }.map { kernel in (kernel.rawValue, { rate in RowProducts.using(kernel, rate) }) }
        }
        for (name, using) in others {
            for size in Set([1] + [sizes.max() ?? 1]).sorted() {
                let fast = batchRate(size)
                kernelSpeedups.append((name, size, using { batchRate(size) }, fast))
            }
        }
        let peakResident = Self.peakResidentBytes()  // before the bandwidth probe's 1 GiB buffer
        let bandwidth = Self.readBandwidth(threads: threads)
        let weightBytes = Self.weightBytesPerToken(llama.weights)
        let prefill = Double(tokens) / prefillSeconds

        print("blas_core=\(BLASKernels.coreName)")
        print(line("load_s", loadSeconds, decimals: 3))
        print(line("prefill_tok_s", prefill))
        print(line("decode_tok_s", decode))
        print(line("prefill_vs_decode_ratio", prefill / decode, decimals: 2))
        for (size, rate) in batched {
            print(line("batched_decode_tok_s_b\(size)", rate))
            print(line("batched_b\(size)_vs_single_ratio", rate / decode, decimals: 2))
        }
        print("weights=\(weights.rawValue)")
        if let format = blockFormat { print("block_kernel=\(QuantizedMatrix.kernel(for: format).rawValue)") }
        print("row_kernel=\(RowProducts.kernel.rawValue)")
        print("kernel=\(blockFormat.map { QuantizedMatrix.kernel(for: $0).rawValue } ?? RowProducts.kernel.rawValue)")
        for (other, size, rate, fast) in kernelSpeedups {
            let name = other.replacingOccurrences(of: "-", with: "_")
            print(line("\(name)_batch\(size)_tok_s", rate))
            print(line("\(blockFormat == nil ? "row" : "block")_kernel_vs_\(name)_batch\(size)", fast / rate, decimals: 2))
        }
        print(line("peak_rss_mb", Double(peakResident) / 1_048_576, decimals: 0))
        print(line("mem_bandwidth_gb_s", bandwidth / 1e9, decimals: 2))
        print(line("weight_bytes_per_token", Double(weightBytes), decimals: 0))
        print(line("decode_roofline_fraction", decode * Double(weightBytes) / bandwidth, decimals: 3))
    }

    /// Bytes of weights a decode step reads: every layer matrix and norm, the output head, and
    /// one embedding row.
    static func weightBytesPerToken(_ w: LlamaWeights) -> Int {
        let floats = MemoryLayout<Float>.size
        let layers = w.layers.reduce(0) { sum, l in
            sum + [l.q, l.k, l.v, l.o, l.gate, l.up, l.down].reduce(0) { $0 + $1.byteCount }
                + ([l.attentionNorm, l.ffnNorm].reduce(0) { $0 + $1.count } + [l.qBias, l.kBias, l.vBias].reduce(0) { $0 + ($1?.count ?? 0) }) * floats
        }
        let head = (w.output ?? w.tokenEmbedding).byteCount
        let row = w.outputNorm.count * floats
        return layers + head + w.outputNorm.count * floats + row
    }

    /// Reads a 1 GiB buffer with OpenBLAS's `sasum` (a pure streaming read, threaded like
    /// sgemv); the best of three passes, in bytes per second. A hand-written Swift SIMD loop
    /// measured 14 to 15 GB/s here, less than sgemv itself reads, so it would overstate the
    /// roofline fraction.
    static func readBandwidth(threads: Int) -> Double {
        let count = 1 << 28  // floats: 1 GiB
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: count * 4, alignment: 64).bindMemory(to: Float.self, capacity: count)
        defer { buffer.deallocate() }
        buffer.initialize(repeating: 1, count: count)
        var best = 0.0
        for _ in 0..<3 {
            var sum: Float = 0
            let seconds = timed { sum = BLAS.absoluteSum(buffer, count: count) }
            precondition(sum > 0)
            best = max(best, Double(count * 4) / seconds)
        }
        return best
    }

    /// The process's peak resident memory (`getrusage`), in bytes.
    static func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }
}
