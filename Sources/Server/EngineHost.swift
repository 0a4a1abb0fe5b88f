import Dispatch
import Engine
import GESAL

/// The single owner of the engine (the model, the log writer, the state). Every call runs on
/// one serial queue in the order it arrived, so requests are served first come, first served,
/// and none of them sees a half-applied learning step. The queue is a thread of its own: a
/// generation is seconds of CPU work that would otherwise hold one of Swift's few cooperative
/// threads and stall the HTTP event handling. A caller that stops waiting (a client that went
/// away) does not stop the call: what it started is recorded whole.
public final class EngineHost: @unchecked Sendable {
    /// Touched only on `queue`.
    private let engine: Engine
    private let queue = DispatchQueue(label: "gesal.engine", qos: .userInitiated)
    public let metrics: ServerMetrics
    /// The models, which are immutable and safe to share: embeddings do not queue behind answers.
    public let models: EngineModels
    public let branch: String

    public init(engine: Engine, metrics: ServerMetrics = ServerMetrics()) {
        self.engine = engine
        self.models = engine.models
        self.branch = engine.branch
        self.metrics = metrics
    }

    /// Runs `body` with the engine, after every call that came before it.
    public func run<T: Sendable>(_ body: @escaping @Sendable (Engine) throws -> T) async throws -> T {
        metrics.enqueued()
        defer { metrics.dequeued() }
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                let head = self.engine.head
                let result = Result { try body(self.engine) }
                self.metrics.appended(Int(self.engine.head - head))
                continuation.resume(with: result)
            }
        }
    }
}
