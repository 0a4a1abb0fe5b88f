import Foundation
import SystemIO

/// Counters for `GET /metrics`, in Prometheus' text format. One lock: every request touches
/// them once or twice, never while generating.
public final class ServerMetrics: Sendable {
    private struct Counts {
        var requests: [String: Int] = [:]
        var errors: [Int: Int] = [:]
        var generatedTokens = 0
        var generationSeconds = 0.0
        var queued = 0
        var learningSteps = 0
        var appends = 0
        var followed = 0
        var conflicts = 0
        var batches = 0
        var batchedQuestions = 0
    }

    private let counts = Locked(Counts())

    public init() {}

    func request(_ route: String) { counts.withLock { $0.requests[route, default: 0] += 1 } }
    func error(status: Int) { counts.withLock { $0.errors[status, default: 0] += 1 } }
    func enqueued() { counts.withLock { $0.queued += 1 } }
    func dequeued() { counts.withLock { $0.queued -= 1 } }
    func generated(tokens: Int, seconds: Double) {
        counts.withLock {
            $0.generatedTokens += tokens
            $0.generationSeconds += seconds
        }
    }
    func answered(batchOf questions: Int) {
        counts.withLock {
            $0.batches += 1
            $0.batchedQuestions += questions
        }
    }
    /// Questions that joined a batch while it decoded.
    func answered(joining questions: Int) { counts.withLock { $0.batchedQuestions += questions } }
    func learned() { counts.withLock { $0.learningSteps += 1 } }
    func appended(_ events: Int) { counts.withLock { $0.appends += events } }
    /// Events other workers of a shared store appended, folded in before a call.
    func followed(_ events: Int, conflicts: Int) {
        counts.withLock {
            $0.followed += events
            $0.conflicts = conflicts
        }
    }

    /// Requests waiting for the engine or running on it.
    public var queueDepth: Int { counts.withLock { $0.queued } }

    /// The Prometheus exposition text.
    public func text() -> String {
        let c = counts.withLock { $0 }
        var lines: [String] = []
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(String, String)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
            for (labels, value) in samples { lines.append("\(name)\(labels) \(value)") }
        }
        metric("gesal_requests_total", "counter", "Requests by route.",
               c.requests.keys.sorted().map { ("{route=\"\($0)\"}", "\(c.requests[$0]!)") })
        metric("gesal_request_errors_total", "counter", "Error responses by HTTP status.",
               c.errors.keys.sorted().map { ("{status=\"\($0)\"}", "\(c.errors[$0]!)") })
        metric("gesal_generated_tokens_total", "counter", "Answer tokens generated.", [("", "\(c.generatedTokens)")])
        metric("gesal_generation_seconds_total", "counter", "Seconds spent generating answers.", [("", String(format: "%.3f", c.generationSeconds))])
        let rate = c.generationSeconds > 0 ? Double(c.generatedTokens) / c.generationSeconds : 0
        metric("gesal_tokens_per_second", "gauge", "Generated tokens per second of generation, since start.", [("", String(format: "%.2f", rate))])
        metric("gesal_queue_depth", "gauge", "Requests waiting for the engine or running on it.", [("", "\(c.queued)")])
        metric("gesal_answer_batches_total", "counter", "Batches of questions answered together (one decoding batch each).", [("", "\(c.batches)")])
        metric("gesal_batched_questions_total", "counter", "Questions answered in those batches (those that joined one while it decoded included).", [("", "\(c.batchedQuestions)")])
        metric("gesal_learning_steps_total", "counter", "Learning steps run (accepted or rejected).", [("", "\(c.learningSteps)")])
        metric("gesal_log_events_appended_total", "counter", "Events appended to the event log by this server.", [("", "\(c.appends)")])
        metric("gesal_log_events_followed_total", "counter", "Events other workers of a shared store appended, folded in by this server.", [("", "\(c.followed)")])
        metric("gesal_append_conflicts_total", "counter", "Appends another worker of a shared store won first, decided again (as of the last call).", [("", "\(c.conflicts)")])
        return lines.joined(separator: "\n") + "\n"
    }
}
