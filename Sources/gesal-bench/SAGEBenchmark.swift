import ArgumentParser
import Adaptation
import Clustering
import CommandLineSupport
import Foundation
import Demo
import Engine
import GESAL
import Models
import Tasks
import Tensor

struct SAGEBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sage",
        abstract: "SAGE: how long the buffer's HDBSCAN takes, and what the trigger costs an answer.",
        discussion: helpText("""
          hdbscan_ms_nN   HDBSCAN (min_cluster_size 2, min_samples 1, SAGE's settings) on N
                          384-dimensional unit vectors in 20 loose groups, as MiniLM embeds
                          prompts of a few kinds; the median of --runs runs
          hdbscan_clusters_nN  clusters found (a check that the points have structure)

          ask_ms                    a greedy answer of up to --answer-tokens tokens, one prompt at a time
                                    (the mean over --prompts prompts)
          trigger_tally_us_per_step the label-free signals of one decode step (margin, entropy and
                                    log-probability over the vocabulary's logits)
          trigger_judge_us          judging a feedback without a correction
          trigger_correction_ms     a correction's agreement: exact match, token F1 and the MiniLM cosine
                                    (two embeddings)
          trigger_overhead_fraction what the trigger adds to an answer (its steps' tallies and a
                                    judgement) over ask_ms; the goal is at most 0.05
          trigger_overhead_fraction_corrected  the same with a correction to measure

          buffer_replay_ms_nN  folding a history in which N answers enter SAGE's buffer (points as for
                               hdbscan): every entry runs a round (HDBSCAN over the buffer so far, then
                               tracing, forming, merging), as replay does
          buffer_round_ms_nN   the last of those rounds alone (the engine's cost per fired answer)
          buffer_clusters_nN   clusters formed at the end

          families_*      real prompts (arithmetic, letter counting, each control family; up to
                          --family-items each, interleaved, duplicates dropped) embedded with
                          MiniLM and entered as if every answer failed: how many clusters
                          formed, how many prompts stayed unclustered, the adjusted Rand index
                          of the clusters against the families and the lowest purity (the
                          buffer never sees the families)

          lora_*          the LoRA store on a cluster of real arithmetic prompts (--search-items
                          arithmetic and as many letter-counting prompts, interleaved, each
                          corrected with its answer, through the buffer):
          lora_candidate_train_ms  training one candidate of the default grid (rank 4, the
                                   largest epochs) on the largest cluster's training part
          cluster_search_s         that cluster's whole search with the store's default grid:
                                   every candidate trained, it and the base model scored on
                                   the validation part
          lora_training_examples, lora_candidates, lora_kept  what the search worked on and chose

        Examples:
          swift run -c release gesal-bench sage --sizes 500,2000
          swift run -c release gesal-bench sage --parts trigger
          swift run -c release gesal-bench sage --parts buffer --buffer-sizes 100,300
          swift run -c release gesal-bench sage --parts families --family-items 20 --min-cluster-size 4
          swift run -c release gesal-bench sage --parts lora --search-items 12
        """))

    @OptionGroup var options: ModelOptions

    @Option(help: "What to measure: hdbscan, trigger, buffer, families, lora, comma-separated.")
    var parts = "hdbscan,trigger,buffer,families,lora"

    @Option(help: "Arithmetic (and letter-counting) prompts for the LoRA store's lines.")
    var searchItems = 12

    @Option(help: "Prompts per task family, for the families' lines.")
    var familyItems = 20

    @Option(help: "The buffer's HDBSCAN min_cluster_size for the families' lines (the store setting's default when omitted).")
    var minClusterSize: Int?

    @Option(help: "The buffer's merge cosine for the families' lines (the store setting's default when omitted).")
    var mergeCosine: Float?

    @Option(help: "Answers entering the buffer, comma-separated, for the buffer's lines.")
    var bufferSizes = "100,300"

    @Option(help: "Prompts answered for the trigger's overhead.")
    var prompts = 6

    @Option(help: "The longest answer, in tokens, for the trigger's overhead.")
    var answerTokens = 48

    var partList: [String] { parts.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }

    @Option(help: "Buffer sizes, comma-separated.")
    var sizes = "500,2000,5000"

    @Option(help: "Runs per size (the median is printed).")
    var runs = 3

    func validate() throws {
        guard let parsed = NumberList.parse(sizes), !parsed.isEmpty, parsed.allSatisfy({ (2...20_000).contains($0) }) else {
            throw ValidationError("--sizes must be numbers from 2 to 20000, comma-separated, not '\(sizes)'")
        }
        guard (1...20).contains(runs) else { throw ValidationError("--runs must be 1 to 20, not \(runs)") }
        guard !partList.isEmpty, partList.allSatisfy(["hdbscan", "trigger", "buffer", "families", "lora"].contains) else {
            throw ValidationError("--parts takes hdbscan, trigger, buffer, families and lora, comma-separated, not '\(parts)'")
        }
        guard (4...200).contains(searchItems) else { throw ValidationError("--search-items must be 4 to 200, not \(searchItems)") }
        guard (2...500).contains(familyItems) else { throw ValidationError("--family-items must be 2 to 500, not \(familyItems)") }
        guard let buffered = NumberList.parse(bufferSizes), !buffered.isEmpty, buffered.allSatisfy({ (4...5000).contains($0) }) else {
            throw ValidationError("--buffer-sizes must be numbers from 4 to 5000, comma-separated, not '\(bufferSizes)'")
        }
        guard (1...64).contains(prompts) else { throw ValidationError("--prompts must be 1 to 64, not \(prompts)") }
        guard (1...400).contains(answerTokens) else { throw ValidationError("--answer-tokens must be 1 to 400, not \(answerTokens)") }
    }

    func run() throws {
        if partList.contains("hdbscan") { try clusteringTimes() }
        if partList.contains("trigger") { try triggerCosts() }
        if partList.contains("buffer") { try bufferRounds() }
        if partList.contains("families") { try familyRounds() }
        if partList.contains("lora") { try loraSearch() }
    }

    /// A search of the largest cluster that real, corrected arithmetic and letter-counting
    /// prompts form in the buffer, with the store's default grid; and one candidate's training.
    func loraSearch() throws {
        let language = try options.load(storage: .float32)
        let miniLM = try BertModel(folder: SetupFolder.path(BertModel.defaultFolder))
        let words = try WordList.load(SetupFolder.path(WordList.defaultPath))
        let items = zip(TaskGenerators.arithmetic(count: searchItems, seed: 3), TaskGenerators.letterCounting(words: words, count: searchItems, seed: 3))
            .flatMap { [$0, $1] }
        let settings = LoRAStoreSettings()
        let (state, _, _) = try Self.foldFired(prompts: items.map(\.prompt), points: items.map { miniLM.embed($0.prompt) },
                                               corrections: items.map { $0.textAnswer ?? String($0.answer) }, loraStore: settings)
        guard let cluster = state.buffer.clusters.values.max(by: { ($0.members.count, -$0.id) < ($1.members.count, -$1.id) }),
              state.labelled(cluster.members).count >= 2 else {
            throw ValidationError("no cluster formed from \(items.count) prompts; raise --search-items")
        }
        var search: LoRASearch?
        let searchSeconds = try timed { search = try LoRASearch.run(cluster: cluster.id, in: state, language: language) }
        let split = EngineState.split(state.labelled(cluster.members).map(\.interaction))
        let learner = Learner(language: language, adapters: AdapterSet(), optimizer: OptimizerConfig())
        let training = split.training.map { id in
            (learner.promptTokens(state.interactions[id]!.prompt), learner.responseTokens(state.interactions[id]!.correction!))
        }
        let one = LoRAStoreSettings.Candidate(rank: settings.ranks[0], alpha: settings.alphaPerRank * Float(settings.ranks[0]),
                                              learningRate: settings.learningRates[0], epochs: settings.epochs.max()!)
        let sites = try EngineModels.sites(settings.targets, layers: language.model.config.layers)
        let trainSeconds = timed { LoRASearch.train([one][...], seed: 1, on: training, sites: sites, language: language) { _, _, _ in } }
        print(line("lora_candidate_train_ms", trainSeconds * 1000))
        print(line("cluster_search_s", searchSeconds, decimals: 2))
        print("lora_training_examples=\(training.count)")
        print("lora_validation_examples=\(split.validation.count)")
        print("lora_candidates=\(search!.event.candidates.count)")
        print("lora_kept=\(search!.event.chosen.map(String.init) ?? "none")")
    }

    /// A history of `size` answers that fired, folded as replay folds it.
    func bufferRounds() throws {
        for size in NumberList.parse(bufferSizes)! {
            let points = Self.miniLMLike(count: size, groups: 20, seed: UInt64(size))
            let (state, total, lastRound) = try Self.foldFired(prompts: (1...size).map { "q\($0)" }, points: points)
            print(line("buffer_replay_ms_n\(size)", total * 1000))
            print(line("buffer_round_ms_n\(size)", lastRound * 1000, decimals: 2))
            print("buffer_clusters_n\(size)=\(state.buffer.clusters.count)")
        }
    }

    /// Real task prompts, as if every answer had failed: arithmetic, letter counting and each
    /// control family, interleaved, embedded with MiniLM, folded through the buffer. How the
    /// clusters agree with the families (which the buffer never sees).
    func familyRounds() throws {
        let miniLM = try BertModel(folder: SetupFolder.path(BertModel.defaultFolder))
        let words = try WordList.load(SetupFolder.path(WordList.defaultPath))
        var families = [TaskGenerators.arithmetic(count: familyItems, seed: 1), TaskGenerators.letterCounting(words: words, count: familyItems, seed: 1)]
        families += Dictionary(grouping: TaskGenerators.control, by: \.task).sorted { $0.key < $1.key }.map { Array($0.value.prefix(familyItems)) }
        var seen: Set<String> = []
        var items: [TaskItem] = []
        for round in 0..<familyItems {
            for family in families where round < family.count && seen.insert(family[round].prompt).inserted { items.append(family[round]) }
        }
        var settings = BufferSettings()
        if let minClusterSize { settings.minClusterSize = minClusterSize }
        if let mergeCosine { settings.mergeCosine = mergeCosine }
        try settings.validate(naming: optionName)
        let (state, total, _) = try Self.foldFired(prompts: items.map(\.prompt), points: items.map { miniLM.embed($0.prompt) }, settings: settings)
        let task = Dictionary(items.map { ($0.prompt, $0.task) }, uniquingKeysWith: { first, _ in first })
        let figures = ClusterFigures(state) { task[$0] ?? "?" }
        print("families_count=\(Set(items.map(\.task)).count)")
        print("families_prompts=\(items.count)")
        print(line("families_replay_ms", total * 1000))
        print("families_clusters=\(figures.clusters)")
        print("families_formed=\(figures.formed)")
        print("families_unclustered=\(figures.unclustered)")
        print(line("families_ari", figures.agreementWithTasks ?? .nan, decimals: 3))
        print(line("families_min_purity", figures.purity.values.min() ?? .nan, decimals: 3))
    }

    /// `prompts` (with their embeddings `points`) asked, given -2 (with `corrections`) and
    /// entering the buffer one by one, as the engine records them (no LoRA search is made); the state, the whole fold's seconds and the last round's.
    static func foldFired(prompts: [String], points: [[Float]], settings: BufferSettings = BufferSettings(), corrections: [String]? = nil,
                          loraStore: LoRAStoreSettings? = nil) throws -> (state: EngineState, total: Double, lastRound: Double) {
        let trigger = TriggerSettings()
        let sampling = SamplingRecord(temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1, maxTokens: 8, seed: 0)
        var state = EngineState()
        try state.apply(.storeCreated(StoreCreated(modelFingerprint: "bench", model: "bench", embedder: "bench", threads: 1, blasCore: "bench",
                                                   seed: 0, config: EngineConfig(trigger: trigger, buffer: settings, loraStore: loraStore))))
        var lastRound = 0.0
        let total = try timed {
            for (index, (prompt, point)) in zip(prompts, points).enumerated() {
                let id = index + 1, embedding = Vector(point)
                for event: DomainEvent in [
                    .nodeCreated(NodeCreated(node: id, interaction: id, embedding: embedding, nearest: nil, similarity: nil)),
                    .interactionRecorded(InteractionRecorded(interaction: id, prompt: prompt, response: "a", node: id, embedding: embedding,
                                                             similarity: 1, adapter: nil, sampling: sampling, promptTokens: 4, responseTokens: 1)),
                    .feedbackRecorded(FeedbackRecorded(interaction: id, reward: -2, source: "bench", correction: corrections?[index])),
                    .triggerFired(trigger.judge(interaction: id, reward: -2, signals: [:], calibration: nil)),
                ] { try state.apply(event) }
                lastRound = try timed { try state.apply(.bufferSampleAdded(BufferSampleAdded(interaction: id))) }
                for event in state.pending { try state.apply(event) }
            }
        }
        return (state, total, lastRound)
    }

    func clusteringTimes() throws {
        let hdbscan = HDBSCAN(minClusterSize: 2, minSamples: 1)
        for size in NumberList.parse(sizes)! {
            let points = Self.miniLMLike(count: size, groups: 20, seed: UInt64(size))
            var labels: [Int] = []
            let seconds = try (0..<runs).map { _ in try timed { labels = try hdbscan.labels(of: points) } }
            print(line("hdbscan_ms_n\(size)", median(seconds) * 1000))
            print("hdbscan_clusters_n\(size)=\(Set(labels).subtracting([-1]).count)")
        }
    }

    /// Unit vectors near `groups` random directions (a direction plus noise, normalised).
    static func miniLMLike(count: Int, groups: Int, seed: UInt64) -> [[Float]] {
        var state = seed &+ 0x9E37_79B9_7F4A_7C15
        func uniform() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24) * 2 - 1
        }
        func unit(_ v: [Float]) -> [Float] {
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return v.map { $0 / norm }
        }
        let centres = (0..<groups).map { _ in unit((0..<384).map { _ in uniform() }) }
        return (0..<count).map { index in unit(centres[index % groups].map { $0 + 0.06 * uniform() }) }
    }

    /// The trigger's cost against the answers it judges, all in this run.
    func triggerCosts() throws {
        let language = try options.load(storage: .float32)
        let miniLM = try BertModel(folder: SetupFolder.path(BertModel.defaultFolder))
        let questions = (0..<prompts).map { "What is \(12 + $0) + \(7 * $0)? Answer with a number." }
        let parameters = SamplingParameters(maxTokens: answerTokens)
        _ = language.generate(prompt: questions[0], parameters: parameters)  // warm-up
        var answers: [Generation] = []
        let askSeconds = timed { answers = questions.map { language.generate(prompt: $0, parameters: parameters) } }
        let steps = answers.map { $0.confidence?.steps ?? 0 }.reduce(0, +)

        // The tally alone, over a real row of logits, as many steps as the answers took.
        let prompt = try language.promptTokens(for: questions[0])
        var cache = language.model.makeCache(capacity: prompt.count + 1)
        let logits = language.model.forward(prompt, cache: &cache)
        var tally = ConfidenceTally()
        let tallySeconds = timed { for step in 0..<steps { tally.observe(logits, picked: step % logits.count) } }
        precondition(tally.signals?.steps == steps)

        let settings = TriggerSettings()
        let signals = AnswerSignals(firstTokenMargin: 1, meanEntropy: 1, meanLogProbability: -1, steps: 4, nearestNode: 0.8).named
        let judgeSeconds = timed { for i in 0..<1000 { _ = settings.judge(interaction: i, reward: 1, signals: signals, calibration: nil) } } / 1000
        let correctionSeconds = timed {
            for answer in answers {
                _ = TextAgreement.exactMatch(answer.text, "19")
                _ = TextAgreement.tokenF1(answer.text, "19")
                _ = Ops.cosine(miniLM.embed(answer.text), miniLM.embed("19"))
            }
        } / Double(answers.count)

        let ask = askSeconds / Double(prompts), tallyPerAnswer = tallySeconds / Double(prompts)
        print(line("ask_ms", ask * 1000))
        print(line("trigger_tally_us_per_step", tallySeconds / Double(max(steps, 1)) * 1e6))
        print(line("trigger_judge_us", judgeSeconds * 1e6, decimals: 2))
        print(line("trigger_correction_ms", correctionSeconds * 1000, decimals: 2))
        print(line("trigger_overhead_fraction", (tallyPerAnswer + judgeSeconds) / ask, decimals: 4))
        print(line("trigger_overhead_fraction_corrected", (tallyPerAnswer + judgeSeconds + correctionSeconds) / ask, decimals: 4))
    }
}
