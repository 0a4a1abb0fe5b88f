import EventLog

/// Rebuilds the state of a branch from its log: from the newest usable snapshot at or before
/// the target, then event by event. A snapshot that is missing or does not verify is skipped
/// (the result says so) and replay falls back to the one before, or to the start.
public struct Replay: Sendable {
    public var state: EngineState
    /// The last sequence folded in.
    public var sequence: UInt64
    /// The snapshot replay started from, if any.
    public var snapshot: SnapshotTaken?
    /// Events folded in after the snapshot (or from the start).
    public var eventsApplied: Int
    /// Snapshots that could not be used, with the reason.
    public var skippedSnapshots: [String]

    /// Replays `branch` through `target` (default: its head). `useSnapshots: false` replays
    /// every event from the start.
    public static func run(_ store: some EventHistory, branch: String = "main", through target: UInt64? = nil,
                           useSnapshots: Bool = true) throws -> Replay {
        // Through the head, the walk itself finds it (reading a head costs a scan of the last segment).
        let head = try target.map { _ in try store.head(of: branch) }
        if let target, let head, target > head {
            throw EngineError(.invalidRequest, "sequence \(target) is past the head of '\(branch)' (\(head))")
        }
        // The snapshot announcements first (a folder store decompresses only the records
        // holding one), then the events after the newest usable one, folded as they are read.
        var snapshots: [SnapshotTaken] = []
        if useSnapshots {
            try store.visitEvents(ofTypes: [SnapshotTaken.typeName], branch: branch, through: target) { event in
                if case .snapshotTaken(let taken) = try DomainEvent(event) { snapshots.append(taken) }
            }
        }
        var skipped: [String] = []
        while let taken = snapshots.popLast() {
            do {
                let snapshot = try Snapshot(decoding: try store.blob(hex: taken.blob), source: "snapshot \(taken.blob.prefix(12))",
                                            announced: taken.stateHash)
                guard snapshot.sequence == taken.sequence else {
                    throw EngineError(.corruptSnapshot, "snapshot \(taken.blob.prefix(12)) is not the one announced at sequence \(taken.sequence)")
                }
                return try fold(store, branch: branch, after: taken.sequence, through: target, into: snapshot.state, from: taken, head: head, skipped: skipped)
            } catch {
                skipped.append("snapshot at sequence \(taken.sequence): \(error)")
            }
        }
        return try fold(store, branch: branch, after: 0, through: target, into: EngineState(), from: nil, head: head, skipped: skipped)
    }

    /// Folds the events after `start` through `target` (default: the head) into `state`, as
    /// they are read, while each payload is still in cache.
    private static func fold(_ store: some EventHistory, branch: String, after start: UInt64, through target: UInt64?, into state: EngineState,
                             from snapshot: SnapshotTaken?, head: UInt64?, skipped: [String]) throws -> Replay {
        var state = state
        var last = target ?? start, count = 0
        var kinds = TypeKinds()
        try store.forEachEvent(branch: branch, from: start + 1, through: target) { event in
            // As `EngineState.fold`, without returning the fact (a copy of it), and without
            // copying out what the state does not keep.
            let detail = PayloadDetail(interactionEmbeddings: state.keepsInteractionEmbeddings, unjudgedTriggerScores: false)
            do throws(EngineError) { try state.apply(try DomainEvent(event, kinds: &kinds, detail: detail)) } catch {
                throw error.naming(event.sequence, event.type)
            }
            count += 1
            if target == nil { last = event.sequence }
        }
        return try finish(state, eventsApplied: count, from: snapshot, head: last, complete: head.map { last == $0 } ?? true, skipped: skipped)
    }

    /// `complete`: the events end at the branch's head, so the last record is whole and a
    /// buffer round it started must have recorded all its cluster events.
    private static func finish(_ state: EngineState, eventsApplied: Int, from snapshot: SnapshotTaken?, head: UInt64, complete: Bool,
                               skipped: [String]) throws -> Replay {
        if complete, let missing = state.pending.first {
            throw EngineError(.inconsistent, "the history ends before its last record holds the derived \(missing.typeName) (\(missing.interactionList))")
        }
        return Replay(state: state, sequence: head, snapshot: snapshot, eventsApplied: eventsApplied, skippedSnapshots: skipped)
    }
}

extension EngineState {
    /// Decodes one logged event and folds it in; an error names the event. Returns the event,
    /// for walks that look at what they fold (bisect, curves).
    @discardableResult
    public mutating func fold(_ event: Event) throws(EngineError) -> DomainEvent {
        do {
            let fact = try DomainEvent(event)
            try apply(fact)
            return fact
        } catch {
            throw error.naming(event.sequence, event.type)
        }
    }
}

extension EngineError {
    /// The same error, its message prefixed with the event it is about.
    func naming(_ sequence: UInt64, _ type: String) -> EngineError {
        EngineError(code, "event \(sequence) (\(type)): \(message)")
    }
}
