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
/// Questions that wait together are answered together: an ask joins the batch that is still
/// waiting for its turn (up to `maxBatch`), and the batch runs as one `Engine.ask(_:)`, whose
/// answers decode as one batch. Any other call closes the waiting batch, so nothing asked
/// after a feedback is answered before that feedback's learning step. A batch that finds the
/// engine idle waits `batchWindow` before it runs, so that questions sent at the same moment
/// (clients a few milliseconds apart) share it; one that waited for its turn that long
/// already runs at once.
public final class EngineHost: @unchecked Sendable {
    /// Touched only on `queue`.
    private let engine: Engine
    private let queue = DispatchQueue(label: "gesal.engine", qos: .userInitiated)
    public let metrics: ServerMetrics
    /// The models, which are immutable and safe to share: embeddings do not queue behind answers.
    public let models: EngineModels
    public let branch: String
    /// The most questions answered together; 1 answers one at a time.
    public let maxBatch: Int
    /// How long a new batch gathers questions before it runs, at most.
    public let batchWindow: Duration

    /// Questions waiting for their turn, and their callers.
    private final class Batch: @unchecked Sendable {
        let opened = ContinuousClock.now
        var items: [(question: Engine.Question, caller: CheckedContinuation<Engine.Answer, any Error>)] = []
    }
    /// The batch new questions join; guarded by `lock`.
    private var open: Batch?
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
                open = nil  // later questions wait for this call
                queue.async {
                    let head = self.engine.head
                    let result = Result { try body(self.engine) }
                    self.metrics.appended(Int(self.engine.head - head))
                    continuation.resume(with: result)
                }
            }
        }
    }

    /// Answers `question` as `Engine.ask` does, together with the questions waiting with it.
    public func ask(_ question: Engine.Question) async throws -> Engine.Answer {
        metrics.enqueued()
        defer { metrics.dequeued() }
        return try await withCheckedThrowingContinuation { continuation in
            lock.withLock {
                if let batch = open, batch.items.count < maxBatch {
                    batch.items.append((question, continuation))
                    return
                }
                let batch = Batch()
                batch.items.append((question, continuation))
                open = batch
                queue.async { self.answer(batch) }
            }
        }
    }

    /// Runs a batch when its turn comes, and its window has passed or it is full; it takes no
    /// more questions from then on. (The queue waits with it, so nothing overtakes it.)
    private func answer(_ batch: Batch) {
        let gathering = batch.opened + batchWindow - ContinuousClock.now
        if gathering > .zero, lock.withLock({ open === batch && batch.items.count < maxBatch }) {
            Thread.sleep(forTimeInterval: Double(gathering.components.seconds) + Double(gathering.components.attoseconds) * 1e-18)
        }
        let items = lock.withLock {
            if open === batch { open = nil }
            return batch.items
        }
        let head = engine.head, start = Date()
        metrics.answered(batchOf: items.count)
        let result = Result { try engine.ask(items.map(\.question)) }
        metrics.appended(Int(engine.head - head))
        switch result {
        case .success(let answers):
            metrics.generated(tokens: answers.reduce(0) { $0 + $1.responseTokens }, seconds: Date().timeIntervalSince(start))
            for (item, answer) in zip(items, answers) { item.caller.resume(returning: answer) }
        case .failure(let error):
            for item in items { item.caller.resume(throwing: error) }
        }
    }
}
