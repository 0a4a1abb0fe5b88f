import Foundation
import Testing
import TestSupport
import EventLog
import GESAL
import Models
@testable import Engine
import SystemIO
import Synchronization

/// Stores that older builds left stuck (a committed feedback whose learning step could never
/// finish, so every later open redid it and crashed), and the checks that keep new ones from
/// being made: they now open, and record the failed step once as `UpdateRejected`.
@Suite(.serialized, .enabled(if: RealModels.available, RealModels.missing)) struct StuckStoreTests {
    static var models: EngineModels { EngineTests.models }

    /// A store holding one answered interaction, and `feedback` appended as an older build did:
    /// straight to the log, with no learning step after it.
    static func stuckStore(_ path: String, config: EngineConfig, feedback: FeedbackRecorded) throws -> LogWriter {
        let writer = try LogWriter.create(at: path)
        let engine = try Engine(writer: writer, models: models, config: config)
        _ = try engine.ask(EngineTests.sum)
        try writer.append([try DomainEvent.feedbackRecorded(feedback).draft()])
        return writer
    }

    @Test func aStoreStuckOnAHugeRewardOpensAndRecordsTheRejectionOnce() throws {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-stuck")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let huge = -Float.greatestFiniteMagnitude  // doubled for a negative reward: an infinite loss
        let writer = try Self.stuckStore(path + "/s", config: EngineConfig(maxTokens: 8), feedback: FeedbackRecorded(interaction: 1, reward: huge, source: "user"))
        let engine = try Engine(writer: writer, models: Self.models)
        #expect(engine.state.rejectedUpdates == 1 && engine.state.updates == 0 && engine.state.nodes[1]!.buffer.isEmpty)
        let last = try #require(try writer.store.events().last)
        guard case .updateRejected(let rejected) = try DomainEvent(last) else { Issue.record("last event is \(last.type)"); return }
        #expect(rejected.reason.contains("not a finite number"), "\(rejected.reason)")
        // Opened again, nothing is redone, and the branch answers.
        let head = try writer.store.head(of: "main")
        let reopened = try Engine(writer: writer, models: Self.models)
        #expect(reopened.head == head)
        #expect(try reopened.ask(EngineTests.capital).interaction == 2)
    }

    @Test func aStoreStuckOnASequenceBeyondTheLearningBudgetOpensWithoutRunningIt() throws {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-stuck")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try Self.stuckStore(path + "/s", config: EngineConfig(maxTokens: 8, learningTokens: 16),
                                         feedback: FeedbackRecorded(interaction: 1, reward: -2, source: "user"))
        let loads = Mutex(0)
        let counting = EngineModels(language: Self.models.language, embedder: Self.models.embedder, fingerprint: Self.models.fingerprint,
                                    threads: Self.models.threads, blasCore: Self.models.blasCore) {
            loads.withLock { $0 += 1 }
            return try Self.models.bases()
        }
        let engine = try Engine(writer: writer, models: counting)
        #expect(engine.state.rejectedUpdates == 1)
        guard case .updateRejected(let rejected) = try DomainEvent(try #require(try writer.store.events().last)) else { Issue.record("no rejection"); return }
        #expect(rejected.reason.contains("beyond this store's learning budget of 16"), "\(rejected.reason)")
        #expect(loads.withLock { $0 } == 0, "a step refused for its length loads no SVD basis")
    }

    @Test func anAnswerFromANodeWithoutAnAdapterLoadsNoSVDBasis() throws {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-lazy")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let loads = Mutex(0)
        let counting = EngineModels(language: Self.models.language, embedder: Self.models.embedder, fingerprint: Self.models.fingerprint,
                                    threads: Self.models.threads, blasCore: Self.models.blasCore) {
            loads.withLock { $0 += 1 }
            return try Self.models.bases()
        }
        let engine = try Engine(writer: try LogWriter.create(at: path + "/s"), models: counting, config: EngineConfig(maxTokens: 4))
        _ = try engine.ask(EngineTests.sum)
        #expect(loads.withLock { $0 } == 0 && !counting.basesLoaded)
    }

    @Test func theEngineRefusesBadRequestsAndAppendsNothing() throws {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-refuse")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let engine = try Engine(writer: try LogWriter.create(at: path + "/s"), models: Self.models, config: EngineConfig(maxTokens: 4))
        let answer = try engine.ask(EngineTests.sum)
        let head = engine.head
        #expect { try engine.feedback(interaction: answer.interaction, reward: 1e30) } throws: { "\($0)".contains("the reward is 1e+30: it must be in [-10, 10]") }
        #expect { try engine.feedback(interaction: answer.interaction, reward: .nan) } throws: { "\($0)".contains("a finite number") }
        #expect { try engine.ask("  \n ") } throws: { "\($0)".contains("the prompt is empty") }
        let long = String(repeating: "word ", count: 9000)
        #expect { try engine.ask(long) } throws: { "\($0)".contains("context window holds \(Self.models.language.model.config.contextLength)") }
        let stored = try engine.writer.history.head(of: "main")
        #expect(engine.head == head && stored == head)
    }
}
