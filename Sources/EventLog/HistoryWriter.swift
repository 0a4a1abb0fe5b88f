/// What the engine needs to write a history, whatever holds it: a folder (`LogWriter`, the
/// one writer of its store) or PostgreSQL (`PostgresStore`, shared by any number of workers).
public protocol HistoryWriter: Sendable {
    /// The history this writer appends to, for reading.
    var history: any EventHistory { get }
    /// Appends `events` to `branch` as one record. With `expectedHead`, only if the branch's
    /// head is still that one (the head the caller decided on); otherwise nothing is written
    /// and the error's code is `.conflict`: catch up, decide again, retry.
    @discardableResult
    func append(_ events: [EventDraft], to branch: String, expectedHead: UInt64?) throws(LogError) -> ClosedRange<UInt64>
    /// Stores a blob once per content and returns its hash.
    @discardableResult
    func putBlob(_ bytes: [UInt8]) throws(LogError) -> Hash256
    /// Creates `name` at sequence `at` (default: the head) of `source`.
    func createBranch(_ name: String, from source: String, at sequence: UInt64?) throws(LogError)
    /// Moves `branch`'s head to `sequence`, the end of a record in its line (records stay).
    func reset(_ branch: String, to sequence: UInt64) throws(LogError)
    /// Moves `branch` back to where it was before its last reset (or undo).
    func undoReset(_ branch: String) throws(LogError)
    /// Makes everything appended so far durable now, whatever the store's policy.
    func sync() throws(LogError)
    /// Makes what was appended durable and releases what the writer holds (a folder's lock, a
    /// connection).
    func close() throws(LogError)
    /// Whether other processes may append to the same history at the same time (PostgreSQL).
    /// A shared writer's appends can fail with `.conflict`; a folder's writer is alone.
    var isShared: Bool { get }
    /// Reserves `count` numbers of the counter `name`, all above `floor`, that no other
    /// worker of a shared history gets (interaction ids). Nil for a writer that is alone: it
    /// numbers from its own state.
    func reserveNumbers(_ name: String, count: Int, above floor: Int) throws(LogError) -> ClosedRange<Int>?
}

extension HistoryWriter {
    /// Appends whatever the branch's head is now (one writer, or a branch no one else writes).
    @discardableResult
    public func append(_ events: [EventDraft], to branch: String = "main") throws(LogError) -> ClosedRange<UInt64> {
        try append(events, to: branch, expectedHead: nil)
    }
}
