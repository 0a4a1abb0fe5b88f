import Adaptation
import Foundation
import Testing
import TestSupport
import EventLog
import GESAL
import Models
@testable import Engine
import SystemIO

/// Transformer²'s experts on the real models: a (tiny) training is recorded with its curve and
/// kept blob, re-executed bit for bit, kept by a rollback, and bad requests change nothing.
@Suite(.serialized, .enabled(if: RealModels.available, RealModels.missing)) struct ExpertEngineTests {
    /// Two steps of two prompts, validated after each, four-token answers: enough to exercise
    /// every part of a training in seconds.
    static let settings = ExpertSettings(task: "arithmetic", items: 20, steps: 2, batch: 2, validateEvery: 1, maxTokens: 4)

    /// One store for the suite: interaction 1, then expert "adder".
    static let store = LoadedOnce("a store with an expert") { () throws -> Engine in
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-expert") + "/store"
        let engine = try RealModels.engine(at: path, config: EngineConfig(maxTokens: 4))
        _ = try engine.ask("What is the capital of France?")
        try engine.trainExpert(name: "adder", settings: settings, words: { [] })
        return engine
    }

    static func trained(_ engine: Engine) throws -> ExpertTrained {
        try #require(try engine.writer.history.events(branch: "main").compactMap { event in
            if case .expertTrained(let e) = try DomainEvent(event) { e } else { nil }
        }.first)
    }

    @Test func aTrainingIsRecordedWithItsCurveAndItsKeptBlob() throws {
        let engine = try Self.store.get()
        let trained = try Self.trained(engine)
        #expect(trained.curve.map(\.step) == [0, 1, 2] && trained.training.count >= 5 && !trained.validation.isEmpty)
        #expect(Set(trained.training.map(\.prompt)).isDisjoint(with: trained.validation.map(\.prompt)))
        #expect(engine.state.experts["adder"]?.adapter == trained.adapter)
        #expect(try engine.writer.history.blob(hex: trained.adapter).isEmpty == false, "the kept adapter is stored")
        #expect(Set(trained.curve.map(\.adapter)).count == 3, "every step moved the adapters")
    }

    @Test func reexecutionTrainsTheExpertAgainBitForBit() throws {
        let engine = try Self.store.get()
        let report = try Reexecution.verify(engine.writer.history, models: engine.models)
        #expect(report.experts == 1 && report.mismatches.isEmpty, "\(report.mismatches)")
        #expect(report.stateHash == engine.state.hash.hex)
    }

    @Test func reexecutionSaysNoToARewrittenCheckpoint() throws {
        let recorded = try Self.trained(Self.store.get())
        var tampered = recorded
        tampered.curve[2].adapter = String(repeating: "0", count: 64)
        #expect(ExpertTraining.differences(recorded, tampered) == ["step 2's adapter \(recorded.curve[2].adapter.prefix(12)) ≠ recorded 000000000000"])
    }

    @Test func aTakenNameAnUnknownTaskOrANodeWithoutAnAdapterIsRefusedAndNothingIsWritten() throws {
        let engine = try Self.store.get()
        let head = engine.head
        #expect(throws: EngineError.self) { try engine.trainExpert(name: "adder", settings: Self.settings, words: { [] }) }
        var unknown = Self.settings
        unknown.task = "calculus"
        #expect(throws: EngineError.self) { try engine.trainExpert(name: "calc", settings: unknown, words: { [] }) }
        #expect(throws: EngineError.self) { try engine.promoteExpert(node: 1, name: "node-one") }
        #expect(throws: EngineError.self) { try engine.retireExpert("nobody", reason: "test") }
        #expect(engine.head == head)
    }

    @Test func theScoringLeavesOutWhatTheExpertTrainedAndValidatedOn() throws {
        let engine = try Self.store.get()
        let trained = try Self.trained(engine)
        let (blob, seen) = try ExpertRecords.scoring("adder", in: engine.state, log: engine.writer.history, branch: "main")
        #expect(blob == trained.adapter && seen == Set((trained.training + trained.validation).map(\.prompt)))
    }

    @Test func aRollbackKeepsTheLibrary() throws {
        let engine = try Self.store.get()
        let asked = try #require(try engine.writer.history.events(branch: "main").first { InteractionRecorded.typeNames.contains($0.type) })
        let report = try Rollback.exclude([asked.sequence], from: "main", into: "without-first", writer: engine.writer, models: engine.models, reason: "test")
        #expect(report.experts == 1 && report.state.experts == engine.state.experts && report.state.interactions.isEmpty)
    }

    @Test func embeddingDispatchChoosesTheExpertForItsTaskAndNoneFarFromIt() throws {
        let engine = try Self.store.get()
        let dispatcher = try Dispatcher(trained: [try Self.trained(engine)], models: engine.models)
        let decisions = dispatcher.decide(["What is 3 + 44?", "Who wrote Romeo and Juliet?"], strategy: .embedding)
        #expect(decisions.map(\.expert) == ["adder", nil], "\(decisions.map(\.scores))")
        #expect(decisions[0].scores!["adder"]! >= DispatchSettings.defaultThreshold && decisions[1].scores!["adder"]! < DispatchSettings.defaultThreshold)
    }

    @Test func aClassificationReplyChoosesTheFirstTaskItNames() throws {
        let engine = try Self.store.get()
        let dispatcher = try Dispatcher(trained: [try Self.trained(engine)], models: engine.models)
        #expect(dispatcher.expert(namedIn: "Arithmetic.") == "adder")
        #expect(dispatcher.expert(namedIn: "other, not arithmetic") == nil, "other named first")
        #expect(dispatcher.expert(namedIn: "arithmetics") == nil, "a whole word only")
        #expect(dispatcher.classificationPrompt("What is 3 + 4?").contains("arithmetic (adding two numbers), other (anything else)"))
    }

    /// A store that dispatches by embedding, with its own tiny "adder".
    static let dispatching = LoadedOnce("a store that dispatches") { () throws -> Engine in
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-dispatch") + "/store"
        let engine = try RealModels.engine(at: path, config: EngineConfig(maxTokens: 4, dispatch: DispatchSettings(strategy: "embedding")))
        try engine.trainExpert(name: "adder", settings: settings, words: { [] })
        return engine
    }

    @Test func anAskDispatchedToAnExpertIsRecordedAsV5AndReplays() throws {
        let engine = try Self.dispatching.get()
        let sum = try engine.ask("What is 3 + 44?")
        #expect(sum.expert?.name == "adder" && sum.expert?.strategy == "embedding" && sum.expert?.adapter == engine.state.experts["adder"]?.adapter)
        let far = try engine.ask("Who wrote Romeo and Juliet?")
        #expect(far.expert == nil)
        let types = try engine.writer.history.events(branch: "main").filter { InteractionRecorded.typeNames.contains($0.type) }.map(\.type)
        #expect(types.suffix(2) == [InteractionRecorded.expertTypeName, InteractionRecorded.typeName])
        #expect(try Replay.run(engine.writer.history, useSnapshots: false).state.hash == engine.state.hash)
    }

    @Test func anEvaluationOfTheStoreDispatchesAsAskDoes() throws {
        let engine = try Self.dispatching.get()
        let evaluator = try Evaluator(models: engine.models, state: engine.state, blobs: engine.writer.history)
            .dispatching(log: engine.writer.history, branch: "main")
        #expect(evaluator.plan(for: "What is 3 + 44?").expert?.name == "adder")
        #expect(Evaluator(models: engine.models, state: engine.state).plan(for: "What is 3 + 44?").expert == nil, "without dispatching, no expert")
    }

    @Test func theRequestOverridesTheStoresStrategy() throws {
        let engine = try Self.dispatching.get()
        let answer = try engine.ask("What is 5 + 41?", request: AnswerRequest(dispatch: "none"))
        #expect(answer.expert == nil)
        let last = try #require(try engine.writer.history.events(branch: "main").last { InteractionRecorded.typeNames.contains($0.type) })
        #expect(last.type == InteractionRecorded.requestedTypeName)
    }

    @Test func anExpertAloneMergesAsItsOwnAdapter() throws {
        let engine = try Self.dispatching.get()
        let blob = try #require(engine.state.experts["adder"]?.adapter)
        let bytes = try engine.writer.history.blob(hex: blob)
        let prompts = ["What is 3 + 44?", "What is 12 + 7?", "How many letters are in the word garden?"]
        let parameters = SamplingParameters(maxTokens: 8)
        func answers(_ model: LanguageModel) -> [String] { model.generate(prompts.map { GenerationRequest(prompt: $0, parameters: parameters) }).map(\.text) }
        let stacked = try engine.models.adapted(AdapterStack(expert: blob), blob: { try engine.writer.history.blob(hex: $0) })
        #expect(answers(stacked) == answers(try engine.models.adapted(bytes)))
    }

    @Test func aFewShotMixIsRecordedAndReexecutedBitForBit() throws {
        let engine = try Self.dispatching.get()
        let settings = MixSettings(task: "subtraction", items: 20, shots: 2, population: 3, elites: 1, generations: 2, maxTokens: 4)
        let mixed = try engine.adaptExpert(name: "minus", settings: settings, words: { [] })
        #expect(mixed.experts == ["adder"] && mixed.generations.count == 2 && mixed.shots.count == 2)
        #expect(mixed.alpha.allSatisfy { (0...1).contains($0) } && engine.state.experts["minus"]?.adapter == mixed.adapter)
        #expect(mixed.generations[0].mean == [1] && mixed.generations[0].spread == [0.5], "the first draw is around 1/K with the initial spread")
        let report = try Reexecution.verify(engine.writer.history, models: engine.models)
        #expect(report.experts == 2 && report.mismatches.isEmpty, "\(report.mismatches)")
    }

    @Test func aMixPerMatrixDrawsAWeightPerExpertAndMatrixAndRepeatsItself() throws {
        let engine = try Self.dispatching.get()
        let adder = try #require(engine.state.experts["adder"]?.adapter)
        let settings = MixSettings(task: "subtraction", items: 20, shots: 2, population: 3, elites: 1, generations: 2, maxTokens: 4, granularity: .matrix)
        let shots = try ExpertMixing.shots(settings, words: { [] })
        func search() throws -> ExpertMixing {
            try ExpertMixing.run(name: "minus", settings: settings, experts: [("adder", adder)], shots: shots, models: engine.models,
                                 blob: { try engine.writer.history.blob(hex: $0) })
        }
        let first = try search()
        let sites = try AdapterCodec.decodeAdapters(try engine.writer.history.blob(hex: adder)).svf.count
        #expect(sites > 1 && first.event.alpha.count == sites && first.event.generations.allSatisfy { $0.mean.count == sites })
        #expect(Set(first.event.generations[1].mean).count > 1, "after one generation the matrices' weights part ways")
        let again = try search()
        #expect(again.event == first.event && again.blob == first.blob)
    }

    @Test func aMixWithoutShotsIsRefusedAndNothingIsWritten() throws {
        let engine = try Self.dispatching.get()
        let head = engine.head
        #expect(throws: EngineError.self) { try engine.adaptExpert(name: "none", settings: MixSettings(task: "subtraction", shots: 0), words: { [] }) }
        #expect(throws: EngineError.self) { try engine.adaptExpert(name: "x", settings: MixSettings(task: "subtraction", shots: 2), experts: ["nobody"], words: { [] }) }
        #expect(engine.head == head)
    }

    @Test func normalDrawsHaveMeanZeroAndVarianceOne() {
        var random = RandomSource(seed: 3)
        let draws = (0..<20_000).map { _ in random.normal() }
        let mean = draws.reduce(0, +) / Double(draws.count)
        let variance = draws.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(draws.count)
        // Standard errors at n = 20,000: 0.007 for the mean, 0.01 for the variance.
        #expect(abs(mean) < 0.03 && abs(variance - 1) < 0.05, "mean \(mean), variance \(variance)")
    }

    /// A library of two tiny experts and a classifier trained on their training prompts.
    static let classified = LoadedOnce("a library with a classifier") { () throws -> Engine in
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-classifier") + "/store"
        let engine = try RealModels.engine(at: path, config: EngineConfig(maxTokens: 4))
        try engine.trainExpert(name: "adder", settings: settings, words: { [] })
        var times = settings
        times.task = "multiplication"
        try engine.trainExpert(name: "times", settings: times, words: { [] })
        var router = settings
        router.task = ExpertTraining.classificationTask
        router.steps = 1
        try engine.trainExpert(name: "router", settings: router, words: { [] })
        return engine
    }

    @Test func theClassifierLearnsOnlyFromTheExpertsTrainingAndValidationPrompts() throws {
        let engine = try Self.classified.get()
        let events = try ExpertRecords.trained(in: engine.writer.history, branch: "main")
        let router = try #require(events.first { $0.name == "router" })
        let experts = events.filter { $0.name != "router" }
        let dispatcher = try Dispatcher(trained: experts, models: engine.models)
        let allowed = Set(experts.flatMap { $0.training + $0.validation }.map { dispatcher.classificationPrompt($0.prompt) })
        #expect(Set((router.training + router.validation).map(\.prompt)).isSubset(of: allowed))
        #expect(Set(router.training.map(\.answer)) == ["arithmetic", "multiplication"])
        let test = try ExpertTraining.splits(experts[0].settings, words: { [] }).test.map { dispatcher.classificationPrompt($0.prompt) }
        #expect(Set(router.training.map(\.prompt)).isDisjoint(with: test), "never a test prompt")
    }

    @Test func theClassifierStrategyAsksTheClassifier() throws {
        let engine = try Self.classified.get()
        let dispatcher = try engine.libraryDispatcher()
        #expect(dispatcher.classifier == engine.state.experts["router"]?.adapter && dispatcher.candidates.map(\.name) == ["adder", "times"])
        let decisions = dispatcher.decide(["What is 3 + 44?"], strategy: .classifier)
        #expect(decisions[0].strategy == .classifier && decisions[0].reply != nil)
        let report = try Reexecution.verify(engine.writer.history, models: engine.models)
        #expect(report.experts == 3 && report.mismatches.isEmpty, "\(report.mismatches)")
    }
}
