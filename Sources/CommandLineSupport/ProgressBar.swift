import Glibc
import SystemIO

/// A one-line progress bar on standard error, redrawn in place. It draws only when standard
/// error is a terminal, so logs and pipes stay clean.
public struct ProgressBar: Sendable {
    private let label: String
    private let total: Int
    private let enabled: Bool
    private var lastDrawn = -1

    public init(_ label: String, total: Int, enabled: Bool = isatty(2) == 1) {
        self.label = label
        self.total = max(total, 1)
        self.enabled = enabled
    }

    /// Shows `done` of `total`; redraws only when the whole percentage changes.
    public mutating func update(_ done: Int) {
        guard enabled else { return }
        let percent = min(100, done * 100 / total)
        guard percent != lastDrawn else { return }
        lastDrawn = percent
        let width = 30
        let filled = percent * width / 100
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        writeStandardError("\r\(label) [\(bar)] \(percent)% (\(done)/\(total))")
    }

    /// Clears the line.
    public func finish() {
        guard enabled, lastDrawn >= 0 else { return }
        writeStandardError("\r" + String(repeating: " ", count: label.count + 60) + "\r")
    }
}

/// A progress bar drawn from (done, total) reports, created at the first one, when the
/// total becomes known: what long-running library calls take as their `progress` closure.
/// Safe to call from any thread (the engine's models report from whichever loads them first).
public final class ProgressReporter: Sendable {
    private let label: String
    private let bar = Locked<ProgressBar?>(nil)

    public init(_ label: String) {
        self.label = label
    }

    public func update(_ done: Int, _ total: Int) {
        bar.withLock { bar in
            if bar == nil { bar = ProgressBar(label, total: total) }
            bar!.update(done)
        }
    }

    public func finish() {
        bar.withLock { $0?.finish() }
    }
}

/// `write(2)` to standard error, unbuffered.
public func writeStandardError(_ text: String) {
    var bytes = Array(text.utf8)
    _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
}

/// One line to standard output with `write(2)`, unbuffered: what long runs print as they go,
/// so a pipe (`| tee`) shows each line when it happens rather than at exit.
public func printNow(_ line: String) {
    var bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeMutableBytes { write(1, $0.baseAddress, $0.count) }
}
