import ArgumentParser
import EventLog
import Foundation
import GESAL

/// A point of a branch's history as users name it: a sequence number (`120`) or a time
/// (`2026-11-21T10:00:00Z`, meaning the last event committed at or before it). Parsed at the
/// edge, resolved against the branch's log, refused by name when past its head.
public enum HistoryPoint: Sendable, Equatable {
    case sequence(UInt64)
    /// Nanoseconds since 1970, the log's unit.
    case time(Int64)

    /// `option` names the flag in errors (`--at`, `--as-of`).
    public init(parsing text: String, option: String) throws {
        if let sequence = UInt64(text) {
            self = .sequence(sequence)
            return
        }
        guard let date = ISO8601DateFormatter().date(from: text) else {
            throw ValidationError("\(option) '\(text)' is neither a sequence number like 120 nor an ISO 8601 time like 2026-11-21T10:00:00Z")
        }
        let nanos = date.timeIntervalSince1970 * 1e9
        guard nanos >= 0, nanos < Double(Int64.max) else {
            throw ValidationError("\(option) \(text) is outside the times the log records (1970-01-01 to 2262-04-11)")
        }
        self = .time(Int64(nanos))
    }

    /// The sequence this point names on `branch`: at least 1 (the store's first event) and at
    /// most the head.
    public func resolve(in store: any EventHistory, branch: String, option: String) throws -> UInt64 {
        let head = try store.head(of: branch)
        switch self {
        case .sequence(let sequence):
            guard sequence >= 1, sequence <= head else {
                throw ValidationError("\(option) \(sequence) is not in branch '\(branch)', whose events are 1 to \(head)")
            }
            return sequence
        case .time(let limit):
            let last = try Self.lastSequence(in: store, branch: branch, atOrBefore: limit)
            guard last >= 1 else { throw ValidationError("\(option): branch '\(branch)' has no event at or before that time") }
            return last
        }
    }

    /// The last sequence of `branch` committed at or before `nanos` (0: none).
    public static func lastSequence(in store: any EventHistory, branch: String, atOrBefore nanos: Int64) throws -> UInt64 {
        var last: UInt64 = 0
        try store.forEachEvent(branch: branch) { if $0.timeNanos <= nanos { last = $0.sequence } }
        return last
    }

    /// The branch's state at `--at` (its head when `at` is nil), replayed from the nearest
    /// snapshot; snapshots that could not be used are reported on standard error.
    public static func replay(_ store: any EventHistory, branch: String, at: String?, option: String = "--at") throws -> Replay {
        let target = try at.map { try HistoryPoint(parsing: $0, option: option).resolve(in: store, branch: branch, option: option) }
        let replay = try Replay.run(store, branch: branch, through: target)
        for skipped in replay.skippedSnapshots { writeStandardError("warning: skipped \(skipped)\n") }
        return replay
    }
}
