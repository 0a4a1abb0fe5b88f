extension HistoryWriter {
    /// Signs `branch` through its head: appends a `HistorySigned` over the hash of the record
    /// holding the head, made durable before it returns. Returns the event's sequence.
    @discardableResult
    public func sign(_ branch: String, with key: HistorySigningKey) throws(LogError) -> (sequence: UInt64, signed: HistorySigned) {
        let head = try history.head(of: branch)
        guard head > 0 else { throw LogError(.invalidArgument, "branch '\(branch)' is empty: there is nothing to sign") }
        let record = try history.record(holding: head, on: branch)
        let signature = try key.signature(for: HistorySigned.message(sequence: head, recordHash: record.hash))
        let signed = HistorySigned(sequence: head, recordEnd: record.end, recordHash: record.hash, publicKey: key.publicKey, signature: signature)
        // Appended right after what it signs, or not at all (another worker's append would come between).
        let at = try append([EventDraft(type: HistorySigned.typeName, payload: signed.payload)], to: branch, expectedHead: head)
        try sync()
        return (at.lowerBound, signed)
    }
}
