import Engine
import Foundation
import GESAL
import Server
import Testing
import TestSupport

/// `EngineHost`'s continuous batching: a question asked while a batch decodes joins it, unless
/// a call (a feedback, an inspection) was made between them, which it then waits for.
@Suite(.serialized, .enabled(if: RealModels.available, RealModels.missing)) struct EngineHostTests {
    static let long = "Write a haiku about the sea."
    static let other = "What is the capital of France?"

    /// Asks `long`, and holds the engine in its first piece of text (mid-decode) until
    /// `queued` calls and questions wait, then lets it go on. Nothing can leave the queue while
    /// it is held, so the test does not depend on timing.
    static func decoding(_ host: EngineHost, until queued: Int, then body: @escaping @Sendable () async throws -> Void) async throws -> Engine.Answer {
        let held = DispatchSemaphore(value: 0)
        let (holding, hold) = AsyncStream<Void>.makeStream()
        nonisolated(unsafe) var first = true
        let answer = Task {
            try await host.ask(Engine.Question(Self.long, onText: { _ in
                guard first else { return }
                first = false
                hold.yield()
                held.wait()
            }))
        }
        for await _ in holding { break }
        try await body()
        while host.metrics.queueDepth < queued { try await Task.sleep(for: .milliseconds(2)) }
        held.signal()
        return try await answer.value
    }

    static func counts(_ host: EngineHost) -> (batches: String, questions: String) {
        let lines = host.metrics.text().split(separator: "\n")
        return (String(lines.first { $0.hasPrefix("gesal_answer_batches_total ") } ?? ""),
                String(lines.first { $0.hasPrefix("gesal_batched_questions_total ") } ?? ""))
    }

    @Test func aQuestionAskedWhileABatchDecodesJoinsIt() async throws {
        let harness = try ServerHarness()
        let host = harness.host
        nonisolated(unsafe) var joined: Task<Engine.Answer, any Error>?
        let answer = try await Self.decoding(host, until: 2) { joined = Task { try await host.ask(Engine.Question(Self.other)) } }
        let other = try await joined!.value
        #expect(Self.counts(host) == ("gesal_answer_batches_total 1", "gesal_batched_questions_total 2"))
        #expect(other.interaction == answer.interaction + 1)
    }

    /// A question the engine cannot ask (a blank prompt) is refused at once, and the question
    /// asked after it is answered: queued, it would have failed the next batch, both of them.
    @Test func aQuestionTheEngineCannotAskFailsAloneAndAtOnce() async throws {
        let harness = try ServerHarness()
        let host = harness.host
        nonisolated(unsafe) var blank: Task<Engine.Answer, any Error>?
        nonisolated(unsafe) var after: Task<Engine.Answer, any Error>?
        _ = try await Self.decoding(host, until: 2) {
            blank = Task { try await host.ask(Engine.Question("   ")) }
            try await Task.sleep(for: .milliseconds(50))  // so that, if it waited, it would wait first
            after = Task { try await host.ask(Engine.Question(Self.other)) }
        }
        await #expect(throws: EngineError.self) { try await blank!.value }
        let answer = try await after!.value
        #expect(!answer.text.isEmpty)
    }

    @Test func aQuestionAskedAfterACallWaitsForIt() async throws {
        let harness = try ServerHarness()
        let host = harness.host
        nonisolated(unsafe) var call: Task<ContinuousClock.Instant, any Error>?
        nonisolated(unsafe) var started: ContinuousClock.Instant?
        nonisolated(unsafe) var later: Task<Engine.Answer, any Error>?
        _ = try await Self.decoding(host, until: 3) {
            call = Task { try await host.run { _ in ContinuousClock.now } }
            while host.metrics.queueDepth < 2 { try await Task.sleep(for: .milliseconds(2)) }
            later = Task { try await host.ask(Engine.Question(Self.other, onStart: { _ in started = .now })) }
        }
        _ = try await later!.value
        let ran = try await call!.value
        #expect(Self.counts(host) == ("gesal_answer_batches_total 2", "gesal_batched_questions_total 2"))
        #expect(started.map { $0 > ran } == true, "the question was answered before the call made ahead of it")
    }
}
