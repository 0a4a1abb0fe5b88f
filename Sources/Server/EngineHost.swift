import Dispatch
import Engine
import Foundation
import GESAL

/// The single owner of the engine (the model, the log writer, the state). Every call runs on
/// one serial queue in the order it arrived, so requests are served first come, first served,
/// and none of them sees a half-applied learning step. The queue is a thread of its own: a
/// generation is seconds of CPU work that would otherwise hold one of Swift's few cooperative
/// threads and stall the HTTP event handling. A caller that stops waiting (a client that went
/// away) does not stop the call: what it started is recorded whole.
///
/// Questions are answered in batches that decode together (`Engine.ask(_:admitting:)`), up to
/// `maxBatch` at a time. A question asked while a batch decodes joins it at the next step
/// (continuous batching) when it can. Each caller gets its answer as soon as it is complete
/// and recorded, not when the whole batch is. Any
/// other call (`run`: feedback, a learning step, an inspection) is a barrier: questions asked
/// before it are answered before it, and questions asked after it wait for it, so nothing
/// asked after a feedback is answered before that feedback's learning step. A batch that
/// finds the engine idle waits `batchWindow` before it starts, so that questions sent at the
/// same moment (clients a few milliseconds apart) start together.
public final class EngineHost: @unchecked Sendable {
    /// Touched only on `queue`.
    private let engine: Engine
    private let queue = DispatchQueue(label: "gesal.engine", qos: .userInitiated)
    public let metrics: ServerMetrics
    /// The models, which are immutable and safe to share: embeddings do not queue behind answers.
    public let models: EngineModels
    public let branch: String
    /// The most questions decoding together; 1 answers one at a time.
    public let maxBatch: Int
    /// How long a batch that finds the engine idle gathers questions before it starts, at most.
    public let batchWindow: Duration

    /// A question waiting for its turn, and its caller.
    private struct Waiting {
        let key: Int
        let question: Engine.Question
        let caller: CheckedContinuation<Engine.Answer, any Error>
        /// The `run` calls made before it: it is answered after them and before any later one.
        let epoch: Int
        let arrived: ContinuousClock.Instant
    }

    /// Guarded by `lock`: the questions not yet taken, in the order they came (so by epoch).
    private var waiting: [Waiting] = []
    private var keys = 0
    private var runs = 0
    /// The epoch whose questions a drain, queued or running, will still answer.
    private var draining: Int?
    /// A `nudge` waits on the queue (guarded by `lock`).
    private var nudging = false
    private let lock = NSLock()

    public init(engine: Engine, metrics: ServerMetrics = ServerMetrics(), maxBatch: Int = 16, batchWindow: Duration = .milliseconds(5)) {
        self.engine = engine
        self.models = engine.models
        self.branch = engine.branch
        self.metrics = metrics
        self.maxBatch = max(1, maxBatch)
        self.batchWindow = maxBatch > 1 ? batchWindow : .zero
    }

    /// Runs `body` with the engine, after every call that came before it.
    public func run<T: Sendable>(_ body: @escaping @Sendable (Engine) throws -> T) async throws -> T {
        metrics.enqueued()
        defer { metrics.dequeued() }
        return try await withCheckedThrowingContinuation { continuation in
            lock.withLock {
                runs += 1  // questions from now on wait for this call
                queue.async {
                    let result = Result { () throws -> T in
                        try self.follow()
                        let head = self.engine.head
                        defer { self.metrics.appended(Int(self.engine.head - head)) }
                        return try body(self.engine)
                    }
                    continuation.resume(with: result)
                }
            }
        }
    }

    /// Folds what other workers of a shared store committed, now, between requests: what a
    /// notification of an append (or the poll that backs it up) calls. Requests catch up
    /// themselves anyway; this keeps that work off their path. At most one waits on the queue.
    public func nudge() {
        let schedule = lock.withLock { () -> Bool in
            guard !nudging else { return false }
            nudging = true
            return true
        }
        guard schedule else { return }
        queue.async {
            self.lock.withLock { self.nudging = false }
            try? self.follow()  // a store that cannot be read now fails the next request, which says why
        }
    }

    /// On a store other workers append to (PostgreSQL), folds what they committed before this
    /// call runs: an answer here uses the adapter a feedback given to another worker taught,
    /// once that feedback is committed. Runs on the queue.
    private func follow() throws {
        guard engine.writer.isShared else { return }
        metrics.followed(try engine.catchUp(), conflicts: engine.conflicts)
    }

    /// Answers `question` as `Engine.ask` does, together with the questions around it. A
    /// question the engine would refuse (`Engine.checkAskable`) is refused here, before it
    /// waits: in the queue it would fail the batch it starts, and the questions in it.
    public func ask(_ question: Engine.Question) async throws -> Engine.Answer {
        try Engine.checkAskable(question.prompt, request: question.request, language: models.language)
        metrics.enqueued()
        defer { metrics.dequeued() }
        return try await withCheckedThrowingContinuation { continuation in
            lock.withLock {
                waiting.append(Waiting(key: keys, question: question, caller: continuation, epoch: runs, arrived: .now))
                keys += 1
                if draining != runs {
                    draining = runs
                    let epoch = runs
                    queue.async { self.drain(epoch) }
                }
            }
        }
    }

    /// Answers the questions of `epoch` (asked after that many `run` calls, before the next),
    /// batch after batch, until none waits. Earlier epochs are done: their drains ran first.
    private func drain(_ epoch: Int) {
        while true {
            let (oldest, count) = lock.withLock { (waiting.first.flatMap { $0.epoch == epoch ? $0.arrived : nil }, waiting.prefix { $0.epoch == epoch }.count) }
            if let oldest, count < maxBatch {
                let gathering = oldest + batchWindow - ContinuousClock.now
                if gathering > .zero {
                    Thread.sleep(forTimeInterval: Double(gathering.components.seconds) + Double(gathering.components.attoseconds) * 1e-18)
                }
            }
            let items: [Waiting] = lock.withLock {
                let mine = Array(waiting.prefix { $0.epoch == epoch }.prefix(maxBatch))
                waiting.removeFirst(mine.count)
                if mine.isEmpty, draining == epoch { draining = nil }
                return mine
            }
            guard !items.isEmpty else { return }
            answer(items, epoch: epoch)
        }
    }

    /// Runs one batch: `items`, and the questions of the same epoch that join it while it
    /// decodes. Each caller hears as soon as its interaction is recorded.
    private func answer(_ items: [Waiting], epoch: Int) {
        var callers = items.map(\.caller)
        let admission = Engine.Admission(
            next: { running in
                self.lock.withLock {
                    guard running < self.maxBatch, let first = self.waiting.first, first.epoch == epoch else { return nil }
                    return (first.key, first.question)
                }
            },
            take: { key in
                self.lock.withLock {
                    guard let first = self.waiting.first, first.key == key else { return false }
                    self.waiting.removeFirst()
                    callers.append(first.caller)
                    self.metrics.answered(joining: 1)
                    return true
                }
            })
        metrics.answered(batchOf: items.count)
        let caughtUp = Result { try follow() }
        let head = engine.head, start = Date()
        var resumed = Set<Int>()
        let result = Result {
            try caughtUp.get()
            return try engine.ask(items.map(\.question), admitting: admission) { position, answer in
                callers[position].resume(returning: answer)
                resumed.insert(position)
            }
        }
        metrics.appended(Int(engine.head - head))
        switch result {
        case .success(let answers):
            metrics.generated(tokens: answers.reduce(0) { $0 + $1.responseTokens }, seconds: Date().timeIntervalSince(start))
        case .failure(let error):
            for (position, caller) in callers.enumerated() where !resumed.contains(position) { caller.resume(throwing: error) }
        }
    }
}
