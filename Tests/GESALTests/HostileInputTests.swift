import Foundation
import Testing
import EventLog
@testable import GESAL
import SystemIO

/// What GESAL refuses at the edge: numbers out of range, values JSON cannot hold, histories the
/// projection would refuse. Each test checks the refusal names the value and its range.
@Suite struct HostileInputTests {
    static let created = StoreCreated(modelFingerprint: "f00d", model: "tiny", embedder: "tiny", threads: 2, blasCore: "Haswell",
                                      seed: 1, config: EngineConfig())

    @Test func aLimitRefusesNaNInfinityAndOutOfRangeNamingTheValueAndTheRange() {
        let open = Limits.learningRate
        #expect(open.contains(1e-3) && open.contains(1))
        #expect(!open.contains(0) && !open.contains(-1) && !open.contains(.nan) && !open.contains(.infinity) && !open.contains(1e30))
        #expect(throws: EngineError.self) { try open.check(Float.nan, "--learning-rate") }
        do {
            try open.check(Float.nan, "--learning-rate")
        } catch {
            #expect(error.message.hasPrefix("--learning-rate is nan: it must be a finite number in (0, 1]"), "\(error.message)")
        }
        do {
            try Limits.threads.check(0, "--threads")
        } catch {
            #expect(error.message.hasPrefix("--threads is 0: it must be in [1, 256]"), "\(error.message)")
        }
    }

    @Test(arguments: [
        (EngineConfig(learningRate: .nan), "learningRate is nan"),
        (EngineConfig(learningRate: -1), "learningRate is -1.0"),
        (EngineConfig(learningRate: 1e30), "learningRate is 1e+30"),
        (EngineConfig(klWeight: -0.5), "klWeight is -0.5"),
        (EngineConfig(guardTolerance: -1), "guardTolerance is -1.0"),
        (EngineConfig(similarityThreshold: 2), "similarityThreshold is 2.0"),
        (EngineConfig(bufferSize: 0), "bufferSize is 0"),
        (EngineConfig(maxTokens: -5), "maxTokens is -5"),
        (EngineConfig(negativeWeight: .infinity), "negativeWeight is inf"),
        (EngineConfig(updateSteps: 0), "updateSteps is 0"),
        (EngineConfig(learningTokens: 1_000_000), "learningTokens is 1000000"),
    ])
    func aConfigOutOfRangeIsRefusedByField(config: EngineConfig, message: String) {
        #expect(throws: EngineError.self) { try config.validate() }
        do { try config.validate() } catch { #expect(error.message.hasPrefix(message), "\(error.message)") }
        #expect(throws: Never.self) { try EngineConfig().validate() }
    }

    @Test func aNonFiniteValueCannotBeEncodedAndSaysWhichField() {
        let update = DomainEvent.adapterUpdated(AdapterUpdated(node: 1, method: "m", adapterBlob: "a", optimizerBlob: "o", loss: .infinity, interactions: [1]))
        #expect(throws: EngineError.self) { try update.draft() }
        do { _ = try update.draft() } catch { #expect(error.message.contains("loss"), "\(error.message)") }
    }

    @Test func checkInputRefusesAHugeRewardAndANonFiniteEmbedding() {
        #expect(throws: EngineError.self) { try DomainEvent.feedbackRecorded(FeedbackRecorded(interaction: 1, reward: 1e30, source: "user")).checkInput() }
        #expect(throws: Never.self) { try DomainEvent.feedbackRecorded(FeedbackRecorded(interaction: 1, reward: -2, source: "user")).checkInput() }
        let bad = DomainEvent.nodeCreated(NodeCreated(node: 1, interaction: 1, embedding: Vector([1, .nan]), nearest: nil, similarity: nil))
        #expect(throws: EngineError.self) { try bad.checkInput() }
        #expect(throws: EngineError.self) { try DomainEvent.storeCreated(StoreCreated(
            modelFingerprint: "f", model: "m", embedder: "e", threads: 1, blasCore: "c", seed: 0, config: EngineConfig(learningRate: .nan))).checkInput() }
    }

    /// Folds drafts through `DomainCheck.refusal` as import does; returns the first refusal.
    static func firstRefusal(_ drafts: [EventDraft]) -> (index: Int, reason: String)? {
        var state = EngineState()
        for (index, draft) in drafts.enumerated() {
            if let reason = DomainCheck.refusal(of: draft, sequence: UInt64(index + 1), into: &state, hasBlob: { _ in false }) {
                return (index, reason)
            }
        }
        return nil
    }

    static func json(_ type: String, _ payload: String) -> EventDraft { EventDraft(type: type, payload: Array(payload.utf8)) }

    @Test func importChecksRefuseWhatReplayWouldRefuse() throws {
        let created = try DomainEvent.storeCreated(Self.created).draft()
        #expect(Self.firstRefusal([created]) == nil)
        #expect(Self.firstRefusal([created, Self.json("Mystery.v1", "{}")])?.reason.contains("does not know") == true)
        #expect(Self.firstRefusal([created, created])?.reason.contains("a second StoreCreated") == true)
        let orphan = try DomainEvent.feedbackRecorded(FeedbackRecorded(interaction: 9, reward: 1, source: "import")).draft()
        #expect(Self.firstRefusal([created, orphan])?.reason.contains("interaction 9, which does not exist") == true)
        #expect(Self.firstRefusal([created, Self.json(FeedbackRecorded.typeName, #"{"interaction":"one"}"#)])?.reason.contains("does not decode") == true)
        let huge = Self.json(FeedbackRecorded.typeName, #"{"interaction":1,"reward":1e30,"source":"x"}"#)
        let node = try DomainEvent.nodeCreated(NodeCreated(node: 1, interaction: 1, embedding: Vector([1, 0]), nearest: nil, similarity: nil)).draft()
        let interaction = try DomainEvent.interactionRecorded(InteractionRecorded(
            interaction: 1, prompt: "p", response: "r", node: 1, embedding: Vector([1, 0]), similarity: 1, adapter: nil,
            sampling: SamplingRecord(temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1, maxTokens: 8, seed: 0), promptTokens: 3, responseTokens: 1)).draft()
        let refusal = Self.firstRefusal([created, node, interaction, huge])
        #expect(refusal?.index == 3 && refusal?.reason.contains("in [-10, 10]") == true, "\(String(describing: refusal))")
        let update = try DomainEvent.adapterUpdated(AdapterUpdated(node: 1, method: "m", adapterBlob: String(repeating: "a", count: 64),
                                                                   optimizerBlob: String(repeating: "b", count: 64), loss: 1, interactions: [])).draft()
        #expect(Self.firstRefusal([created, node, interaction, update])?.reason.contains("neither in the file nor in the store") == true)
    }

    @Test func domainVerificationNamesTheFirstEventAGESALBranchRefusesAndSkipsPlainBranches() throws {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-domain")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try LogWriter.create(at: path + "/s", options: StoreOptions(durability: .none))
        try writer.append([try DomainEvent.storeCreated(Self.created).draft()])
        #expect(try DomainCheck.problems(in: writer.store).isEmpty)
        try writer.append([Self.json(FeedbackRecorded.typeName, #"{"interaction":4,"reward":1,"source":"x"}"#)])
        let problems = try DomainCheck.problems(in: writer.store)
        #expect(problems.count == 1 && problems[0].contains("branch 'main': event 2") && problems[0].contains("interaction 4"), "\(problems)")
        try writer.createBranch("plain", from: "main", at: 0)
        try writer.append([Self.json("Note", "hello")], to: "plain")
        #expect(try DomainCheck.problems(in: writer.store).count == 1, "a branch of plain events is not a GESAL history")
    }

    @Test func theStateEncodingOfACreatedStoreIsMadeWhenItIsApplied() throws {
        var state = EngineState()
        try state.apply(.storeCreated(Self.created))
        let restored = try EngineState(encoded: state.encoded(), where: "test")
        #expect(restored == state && restored.hash == state.hash)
    }
}
