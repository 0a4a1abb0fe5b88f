import Adaptation
import Engine
import EventLog
import Foundation
import GESAL
import Models
import Tasks
import Tensor

extension EngineBenchmark {
    /// A store of `bisectSteps` learning steps, made without training so that it takes seconds:
    /// one node per control question and per letter-counting prompt (their real MiniLM
    /// embeddings), each step a new SVF vector within 1e-3 of identity on a letter-counting
    /// node (replayed, and seen not to reach a control question); at a random step, a poison that
    /// scales one control node's singular values by 0.2. Then bisect with the control test,
    /// --max-drop 0, between the first event and the head. Only the poison touches a control
    /// node: a merged adapter re-quantises its matrices, and that rounding alone moves a few
    /// control answers (`gesal-bench merge-noise`), so steps on control nodes would be culprits
    /// too (docs/bisect.md).
    func bisectFigures(_ path: String) throws {
        let targets = ["down"]
        let models = try options.loadModels(embedder: "minilm", svfTargets: targets)
        let sites = try EngineModels.sites(targets, layers: models.language.model.config.layers)
        let bases = try models.bases()
        let writer = try LogWriter.create(at: path, options: StoreOptions(durability: .none))
        var random = RandomSource(seed: 7)
        let control = TaskGenerators.control.map(\.prompt)
        let prompts = control + TaskGenerators.letterCounting(words: try WordList.load(), count: 40, seed: 1).map(\.prompt)
        var events: [DomainEvent] = [.storeCreated(StoreCreated(
            modelFingerprint: models.fingerprint, model: models.language.path, embedder: "minilm", threads: models.threads, blasCore: models.blasCore,
            seed: 0, config: EngineConfig(similarityThreshold: 0.9, svfTargets: targets, maxTokens: 12)))]
        for (index, prompt) in prompts.enumerated() {
            let embedding = Vector(models.embedder.embed(prompt))
            events.append(.nodeCreated(NodeCreated(node: index + 1, interaction: index + 1, embedding: embedding, nearest: nil, similarity: nil)))
            events.append(.interactionRecorded(InteractionRecorded(
                interaction: index + 1, prompt: prompt, response: "", node: index + 1, embedding: embedding, similarity: 1, adapter: nil,
                sampling: SamplingRecord(temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1, maxTokens: 12, seed: 0), promptTokens: 0, responseTokens: 0)))
        }
        try writer.append(events.map { try $0.draft() })
        let poisonStep = Int(random.next() % UInt64(bisectSteps))
        let poisonNode = 1  // "How many days are in a week?"
        var poisonSequence: UInt64 = 0
        for step in 0..<bisectSteps {
            let node = step == poisonStep ? poisonNode : control.count + Int(random.next() % UInt64(prompts.count - control.count)) + 1
            var adapters = AdapterSet()
            for site in sites {
                let rank = bases[site]!.rank
                adapters.svf[site] = step == poisonStep ? [Float](repeating: 0.2, count: rank)
                    : (0..<rank).map { _ in 1 + Float(random.unit() - 0.5) * 2e-3 }
            }
            let blob = try writer.putBlob(AdapterCodec.encode(adapters)).hex
            let update = DomainEvent.adapterUpdated(AdapterUpdated(node: node, method: "synthetic-svf", adapterBlob: blob, optimizerBlob: blob, loss: 0,
                                                                   interactions: [node]))
            let range = try writer.append([try update.draft()])
            if step == poisonStep { poisonSequence = range.lowerBound }
        }
        let store = writer.store
        let bisection = Bisection(store: store, branch: "main", test: .answers(TaskGenerators.control, .maxDrop(0))) { models }
        var report: Bisection.Report?
        let seconds = try timed { report = try bisection.run(good: 1, bad: try store.head(of: "main")) }
        try writer.close()
        print("bisect_learning_steps=\(report!.learningSteps)")
        print("bisect_candidates=\(report!.candidates.count)")
        print("bisect_evaluations=\(report!.evaluations)")
        print("bisect_found_poison=\(report!.culprit == poisonSequence ? 1 : 0)")
        print(line("bisect_s", seconds, decimals: 2))
    }
}
