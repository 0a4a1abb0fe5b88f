import Adaptation
import CommandLineSupport
import ArgumentParser
import EventLog
import Foundation
import Models
import Tensor
import SystemIO

struct TrainBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "SVD precompute and cached load, and the cost of one learning step against a forward pass.",
        discussion: helpText("""
          svd_precompute_s       a first start: sgesdd of every MLP matrix (gate, up, down of every block) into an empty cache
          svd_cached_load_s      a second start (another process) loading those bases from the cache
          learning_kernel        what a new store's learning steps run their products on here (rows-fma or rows-portable)
          base_forward_ms        a forward pass over the sequence without adapters
          forward_ms             the same with SVF on every MLP matrix (what a step's forward costs)
          reinforce_svf_step_ms  REINFORCE on the response tokens: forward, backward, Adam
          reinforce_svf_step_openblas_ms  the same step on OpenBLAS, as stores made before the learning kernel learn
          step_vs_openblas_ratio reinforce_svf_step_ms / reinforce_svf_step_openblas_ms (below 1: faster)
          sft_lora_step_ms       SFT with rank-8 LoRA on q and v: forward, backward, Adam
          step_vs_forward_ratio  reinforce_svf_step_ms / forward_ms
          merge_ms               merging the learned SVF vectors into the 90 matrices (once per adapter set)
          float_merge_ms         that merge as blocks-lora-beside makes it (Float32 sgemm, then Q8_0): best of 3, in turns with
          integer_merge_ms       that merge as blocks-svf-int16 makes it (16-bit factors, exact integer sums, then Q8_0)
          integer_vs_float_merge_ratio   integer_merge_ms / float_merge_ms (below 1: faster)
          integer_merge_kernel   which integer kernel ran (avx512-vnni-vpdpwssd, avx2-vpmaddwd or portable)
          adapted_vs_base_decode_ratio   decode speed with the merged adapters over the base's
          lora_merge_ms          merging a rank-8 LoRA on every MLP matrix, SAGE's and SEAL's targets (beside the blocks, or re-quantised with --weights blocks)
          lora_adapted_decode_tok_s   decode speed with that LoRA
          lora_adapted_vs_base_decode_ratio   decode speed with that LoRA over the base's
          parameter_sha256       SHA-256 of the SVF values after --steps steps on learning_kernel (the same on every run)

        Example:
          swift run -c release gesal-bench train --threads 2
        """))

    @OptionGroup var options: ModelOptions
    var model: String { options.model }
    var threads: Int { options.threads }

    @Option(help: "How the weight matrices are held for decoding: blocks-svf-int16 (the default: a LoRA beside the blocks, SVF merged from 16-bit integer factors into Q8_0), blocks-lora-beside (the same, merged in Float32), blocks-svf-q5 (SVF merged into Q5_0), blocks (both merged into Q8_0) or float32. Training reads Float32 either way.")
    var weights: WeightStorage = .defaultForNewStores

    @Option(help: "Sequence length (prompt and response together).")
    var tokens = 64

    @Option(help: "REINFORCE steps before parameter_sha256 is taken.")
    var steps = 3

    func run() throws {
        BLAS.setThreads(threads)
        let cacheFolder = try FileSystem().makeTemporaryDirectory(prefix: "gesal-svd")
        defer { try? FileManager.default.removeItem(atPath: cacheFolder) }
        let cache = SVFBasisCache(folder: cacheFolder + "/svd")
        // Two real starts, each its own process and before this one holds any weights, as a
        // user would see them: the first computes the bases into an empty cache, the second
        // loads them.
        let precompute = try SVDLoadBenchmark.inFreshProcess(model: model, cache: cache.folder)
        let cachedLoad = try SVDLoadBenchmark.inFreshProcess(model: model, cache: cache.folder)

        let loaded = try LanguageModel.load(model, storage: weights)
        let llama = loaded.model
        let sequence = Array(loaded.tokenizer.encode(String(repeating: "How many times does the letter r appear in the word strawberry? ", count: 8)).prefix(tokens))
        precondition(sequence.count == tokens)
        let promptLength = tokens * 3 / 4
        let response = Array(sequence[promptLength...])

        let bases = try cache.bases(for: llama, sites: llama.mlpSites)

        var svf = AdapterSet(composition: .gesal)
        for site in llama.mlpSites { svf.svf[site] = SVFComposition.gesal.identity(rank: bases[site]!.rank) }
        var lora = AdapterSet()
        for layer in 0..<llama.config.layers {
            for kind in [LinearKind.q, .v] {
                let (outputs, inputs) = llama.shape(kind)
                lora.lora[LinearSite(layer: layer, kind: kind)] = LoRA(rank: 8, alpha: 16, inputs: inputs, outputs: outputs, seed: UInt64(layer))
            }
        }
        let reinforce = Objective.reinforce(promptLength: promptLength, response: response, reward: 1)
        let supervised = Objective.supervised(promptLength: promptLength, response: response)

        let products = TrainingProducts.best
        _ = TrainingPass(model: llama, adapters: AdapterSet(), products: products).run(tokens: sequence, scored: reinforce, backward: false)  // warm up
        let baseForward = bestOf(3) {
            _ = TrainingPass(model: llama, adapters: AdapterSet(), products: products).run(tokens: sequence, scored: reinforce, backward: false)
        }
        let forward = bestOf(3) {
            _ = TrainingPass(model: llama, bases: bases, adapters: svf, products: products).run(tokens: sequence, scored: reinforce, backward: false)
        }

        // The step with the new stores' kernel and with OpenBLAS taking turns, so that a slow
        // spell of a shared machine falls on both; each trains its own copy of the adapters.
        let config = OptimizerConfig(kind: .adam, learningRate: 1e-3)
        var (state, openBLASState) = (OptimizerState(), OptimizerState())
        var (trained, openBLASTrained) = (svf, svf)
        var (reinforceStep, openBLASStep) = (Double.infinity, Double.infinity)
        for _ in 0..<max(steps, 1) {
            reinforceStep = min(reinforceStep, timed {
                let result = TrainingPass(model: llama, bases: bases, adapters: trained, products: products).run(tokens: sequence, scored: reinforce)
                Optimizer.step(&trained, gradients: result.gradients, state: &state, config: config)
            })
            openBLASStep = min(openBLASStep, timed {
                let result = TrainingPass(model: llama, bases: bases, adapters: openBLASTrained).run(tokens: sequence, scored: reinforce)
                Optimizer.step(&openBLASTrained, gradients: result.gradients, state: &openBLASState, config: config)
            })
        }
        var loraState = OptimizerState()
        let loraStep = bestOf(3) {
            let result = TrainingPass(model: llama, adapters: lora).run(tokens: sequence, scored: supervised)
            Optimizer.step(&lora, gradients: result.gradients, state: &loraState, config: config)
        }
        let digest = Hash256.of(AdapterCodec.encode(trained)).hex

        // Decoding with the learned adapters: merged once, then as fast as the base.
        var merged = llama
        let merge = timed { merged = llama.merging(trained, bases: bases) }
        // The two Q8_0 merges of the same vectors, in turns.
        let (floatModel, integerModel) = (try storing(.loraBeside, loaded), try storing(.svfInt16, loaded))
        var (floatMerge, integerMerge) = (Double.infinity, Double.infinity)
        for _ in 0..<3 {
            floatMerge = min(floatMerge, timed { _ = floatModel.merging(trained, bases: bases) })
            integerMerge = min(integerMerge, timed { _ = integerModel.merging(trained, bases: bases) })
        }
        var mlpLoRA = AdapterSet()
        for site in llama.mlpSites {
            let (outputs, inputs) = llama.shape(site.kind)
            var adapter = LoRA(rank: 8, alpha: 16, inputs: inputs, outputs: outputs, seed: UInt64(site.layer))
            adapter.b = adapter.b.indices.map { Float($0 % 13) / 1000 - 0.006 }  // as if trained: B is zero at start
            mlpLoRA.lora[site] = adapter
        }
        var loraMerged = llama
        let loraMerge = timed { loraMerged = llama.merging(mlpLoRA, bases: [:]) }
        let speeds = decodeSpeeds([llama, merged, loraMerged], prompt: Array(sequence.prefix(promptLength)))
        let (baseDecode, adaptedDecode, loraDecode) = (speeds[0], speeds[1], speeds[2])

        print("blas_core=\(BLASKernels.coreName)")
        print("learning_kernel=\(products.recordedName ?? "openblas")")
        print(line("svd_precompute_s", precompute, decimals: 2))
        print(line("svd_cached_load_s", cachedLoad, decimals: 3))
        print(line("base_forward_ms", baseForward * 1000))
        print(line("forward_ms", forward * 1000))
        print(line("reinforce_svf_step_ms", reinforceStep * 1000))
        print(line("reinforce_svf_step_openblas_ms", openBLASStep * 1000))
        print(line("step_vs_openblas_ratio", reinforceStep / openBLASStep, decimals: 2))
        print(line("sft_lora_step_ms", loraStep * 1000))
        print(line("step_vs_forward_ratio", reinforceStep / forward, decimals: 2))
        print(line("merge_ms", merge * 1000))
        print(line("float_merge_ms", floatMerge * 1000))
        print(line("integer_merge_ms", integerMerge * 1000))
        print(line("integer_vs_float_merge_ratio", integerMerge / floatMerge, decimals: 2))
        print("integer_merge_kernel=\(IntegerMerge.best)")
        print(line("base_decode_tok_s", baseDecode))
        print(line("adapted_decode_tok_s", adaptedDecode))
        print(line("adapted_vs_base_decode_ratio", adaptedDecode / baseDecode, decimals: 3))
        print(line("lora_merge_ms", loraMerge * 1000))
        print(line("lora_adapted_decode_tok_s", loraDecode))
        print(line("lora_adapted_vs_base_decode_ratio", loraDecode / baseDecode, decimals: 3))
        print("parameter_sha256=\(digest)")
    }

    /// `loaded`'s model held as `storage` (loaded again unless it already is).
    private func storing(_ storage: WeightStorage, _ loaded: LanguageModel) throws -> LlamaModel {
        loaded.model.storage == storage ? loaded.model : try LanguageModel.load(model, storage: storage).model
    }

    /// Greedy decode speed of each model after a prefill, tokens per second: the best of five
    /// rounds of 48 tokens, the models taking turns within each round, so a slow spell of a
    /// shared host falls on all of them rather than on whichever ran then (one model after
    /// the other, the ratios moved between 0.72 and 0.97 from run to run).
    private func decodeSpeeds(_ models: [LlamaModel], prompt: [Int]) -> [Double] {
        let steps = 48
        var best = [Double](repeating: .infinity, count: models.count)
        for _ in 0..<5 {
            for (i, model) in models.enumerated() {
                best[i] = min(best[i], timed {
                    var cache = model.makeCache(capacity: prompt.count + steps + 1)
                    var logits = model.forward(prompt, cache: &cache)
                    for _ in 0..<steps { logits = model.forward([Sampler.argmax(logits)], cache: &cache) }
                })
            }
        }
        return best.map { Double(steps) / $0 }
    }
}

/// The child process of `train`: loads the model, then times getting the SVD bases from the
/// cache folder: computed and stored on a first start, loaded on a second.
struct SVDLoadBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "svd-load", abstract: "Child process of `train`: time getting the SVD bases (computed, or loaded from the cache).", shouldDisplay: false)

    @Option var model: String
    @Option var cache: String

    func run() throws {
        let llama = try LanguageModel.load(model).model
        let seconds = try timed { _ = try SVFBasisCache(folder: cache).bases(for: llama, sites: llama.mlpSites) }
        print(line("seconds", seconds, decimals: 3))
    }

    /// Runs this benchmark in a new process and returns its figure.
    static func inFreshProcess(model: String, cache: String) throws -> Double {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        child.arguments = ["svd-load", "--model", model, "--cache", cache]
        let pipe = Pipe()
        child.standardOutput = pipe
        try child.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        child.waitUntilExit()
        guard let value = output.split(separator: "=").last.flatMap({ Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) else {
            throw ValidationError("svd-load printed no figure: \(output)")
        }
        return value
    }
}
