import EventLog

/// Whether events make a GESAL history the projection accepts: what `gesal-log import` checks
/// before it appends, and what `gesal-log verify --domain` and `gesal doctor` check of a store.
/// A branch whose first event is not a GESAL event is a plain event log (the log itself is
/// generic), and is left alone.
public enum DomainCheck {
    /// Whether `type` names a GESAL event, of any version ("StoreCreated.v1", "StoreCreated.v9").
    public static func isDomainType(_ type: String) -> Bool {
        let name = type.split(separator: ".").first.map(String.init) ?? type
        return domainNames.contains(name)
    }

    private static let domainNames: Set<String> = Set([
        StoreCreated.typeName, InteractionRecorded.typeName, FeedbackRecorded.typeName, TriggerFired.typeName, TriggerCalibrated.typeName,
        NodeCreated.typeName, NodeUpdated.typeName, AdapterUpdated.typeName, AdapterImported.typeName, UpdateRejected.typeName, BranchCreated.typeName, Reverted.typeName,
        SnapshotTaken.typeName, Bisected.typeName, BufferSampleAdded.typeName, ClusterFormed.typeName, ClusterUpdated.typeName,
        ClustersMerged.typeName, ClusterDissolved.typeName, AdapterTrained.typeName, AdapterRetired.typeName,
    ].map { String($0.split(separator: ".")[0]) })

    /// Folds `event` into `state` as an append would: it must decode, pass `checkInput`, fold,
    /// encode, and name only blobs `hasBlob` knows. Returns the reason it is refused, or nil.
    public static func refusal(of draft: EventDraft, sequence: UInt64, into state: inout EngineState,
                               hasBlob: (Hash256) -> Bool) -> String? {
        do {
            let event = try DomainEvent(Event(sequence: sequence, timeNanos: 0, type: draft.type, payload: draft.payload, blobs: draft.blobs))
            try event.checkInput()
            var next = state
            try next.apply(event)
            let encoded = try event.draft()
            for blob in encoded.blobs where !draft.blobs.contains(blob) {
                return "\(draft.type) refers to blob \(blob.hex) but does not list it in \"blobs\""
            }
            for blob in encoded.blobs where !hasBlob(blob) {
                return "\(draft.type) refers to blob \(blob.hex), which is neither in the file nor in the store"
            }
            state = next
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// Every GESAL branch of `store` folded from its first event (snapshots ignored); one line per
    /// branch the projection refuses, naming the first event it refuses and why.
    public static func problems(in store: any EventHistory) throws -> [String] {
        var problems: [String] = []
        for branch in try store.branches().keys.sorted() {
            guard try store.head(of: branch) >= 1, let first = try store.events(branch: branch, through: 1).first,
                  isDomainType(first.type) else { continue }
            do {
                _ = try Replay.run(store, branch: branch, useSnapshots: false)
            } catch {
                problems.append("branch '\(branch)': \(error)")
            }
        }
        return problems
    }
}
