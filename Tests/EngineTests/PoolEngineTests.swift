import Foundation
import Testing
import EventLog
import GESAL
import Models
@testable import Engine
import SystemIO
import TestSupport

/// SAGE's LoRA store on the real models: once a formed cluster holds enough corrected answers
/// its search runs on the model and is recorded, replay re-trains every candidate bit for bit,
/// and a later prompt within a kept adapter's cluster is answered with it (InteractionRecorded.v4).
@Suite(.serialized, .enabled(if: RealModels.available, RealModels.missing)) struct PoolEngineTests {
    /// Sums and letter counts, entering alternately, each answer corrected: both kinds form a
    /// cluster in the sixth round (as in `BufferEngineTests`), with three corrections each.
    static let questions = [("What is 12 + 7? Answer with a number.", "19"), ("How many r's are in the word strawberry?", "3"),
                            ("What is 31 + 45? Answer with a number.", "76"), ("How many a's are in the word banana?", "3"),
                            ("What is 8 + 66? Answer with a number.", "74"), ("How many e's are in the word cheese?", "3")]
    /// Memory-only feedback (no node learning step: this is about the pool), a grid of two
    /// candidates on the MLP's down matrices, short answers.
    static let config = EngineConfig(maxTokens: 4, negativeWeight: 0, correctionWeight: 0, trigger: TriggerSettings(warmup: 100), buffer: BufferSettings(),
                                     loraStore: LoRAStoreSettings(minLabelled: 3, poolSize: 2, ranks: [2], learningRates: [3e-3], epochs: [1, 3],
                                                                  targets: ["down"]))

    /// One store for the suite: the six corrected answers and the searches they set off.
    static let store = LoadedOnce("a store with a LoRA pool") { () throws -> Engine in
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-pool") + "/store"
        let engine = try RealModels.engine(at: path, config: config)
        for (prompt, right) in questions {
            let answer = try engine.ask(prompt)
            try engine.feedback(interaction: answer.interaction, reward: -2, correction: right)
        }
        return engine
    }

    static func searches(_ engine: Engine) throws -> [AdapterTrained] {
        try engine.writer.history.events(branch: "main").compactMap { event in
            if case .adapterTrained(let e) = try DomainEvent(event) { e } else { nil }
        }
    }

    @Test func eachClusterIsSearchedOnceItHoldsEnoughCorrections() throws {
        let engine = try Self.store.get()
        let searches = try Self.searches(engine)
        #expect(searches.map(\.cluster) == [1, 2])
        #expect(searches.allSatisfy { $0.training.count == 2 && $0.validation.count == 1 && $0.candidates.count == 2 })
        #expect(try Replay.run(engine.writer.history, useSnapshots: false).state.hash == engine.state.hash)
    }

    @Test func reexecutionTrainsEveryCandidateAgainBitForBit() throws {
        let engine = try Self.store.get()
        let report = try Reexecution.verify(engine.writer.history, models: engine.models)
        #expect(report.searches == 2 && report.mismatches.isEmpty, "\(report.mismatches)")
    }

    @Test func reexecutionSaysNoToASearchWhoseAdapterWasRewritten() throws {
        let recorded = try #require(try Self.searches(PoolEngineTests.store.get()).first)
        var tampered = recorded
        tampered.candidates[1].adapter = String(repeating: "0", count: 64)
        #expect(Reexecution.differences(recorded, tampered) == ["candidate 1's adapter \(recorded.candidates[1].adapter.prefix(12)) ≠ recorded 000000000000"])
    }

    @Test func aLaterSumIsAnsweredWithTheSumsClusterAdapter() throws {
        // Its nearest sum is at cosine 0.68, above the sums' weakest link, 0.56 (measured).
        let engine = try Self.store.get()
        let sums = try #require(engine.state.buffer.clusters.values.first { $0.members.contains(1) })
        let searches = try Self.searches(engine)
        let kept = try #require(engine.state.pool.adapters[sums.id], "the sums' search kept an adapter: \(searches)")
        let answer = try engine.ask("What is 50 + 21? Answer with a number.")
        #expect(answer.clusterAdapter?.cluster == sums.id && answer.clusterAdapter?.adapter == kept.blob)
        let last = try #require(try engine.writer.history.events(branch: "main").last { InteractionRecorded.typeNames.contains($0.type) })
        #expect(last.type == InteractionRecorded.clusterAdapterTypeName && engine.state.pool.adapters[sums.id]?.routed == 1)
    }

    /// `PoolFixture`'s history, written without its searches (as a crash after the feedback's
    /// record would leave it): the engine that opens the store runs both, as it redoes an
    /// interrupted learning step.
    @Test func anEngineThatOpensOnADueSearchRunsIt() throws {
        let models = try RealModels.models()
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-pool-due")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try LogWriter.create(at: path + "/store")
        for event in try PoolFixture.stream().events {
            guard case .storeCreated(var created) = event else {
                try writer.append([try event.draft()], to: "main")
                continue
            }
            (created.modelFingerprint, created.embedder) = (models.fingerprint, models.embedder.name)
            try writer.append([try DomainEvent.storeCreated(created).draft()], to: "main")
        }
        #expect(try Replay.run(writer.store).state.searchesDue == [1, 2])
        let engine = try Engine(writer: writer, models: models)
        #expect(engine.state.searchesDue.isEmpty && engine.state.pool.searched == [1: 3, 2: 3])
        #expect(try Replay.run(writer.store, useSnapshots: false).state.hash == engine.state.hash)
    }

    @Test func aPromptOfAnotherKindIsAnsweredWithoutAClusterAdapter() throws {
        let engine = try Self.store.get()
        let answer = try engine.ask("Name a colour of the rainbow.")
        #expect(answer.clusterAdapter == nil)
    }
}
