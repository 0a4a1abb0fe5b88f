import Foundation

/// What a walk keeps from one record to the next, so that reading an event allocates nothing
/// the caller does not keep. Before it, each event's payload was an array of its own and each
/// record of several types an array of their names grown one by one: about two of a replay's
/// four allocations an event (callgrind, docs/benchmarks.md).
struct WalkScratch {
    private var names = TypeNames()
    /// The current record's type names, in table order.
    private(set) var types: [String] = []
    /// The type table `types` was read from, as bytes.
    private var table: [UInt8] = []
    /// Tables met before, with their names (at most four): an engine's records alternate among
    /// a few tables (an answer's, a feedback's, an update's), so most changes return to one.
    private var recent: [(table: [UInt8], types: [String])] = []
    /// The current event's payload. It is handed to the body, and written over in place for
    /// the next event when the body kept no copy of it; when it did, copy-on-write gives the
    /// next event a buffer of its own, so a kept event never changes.
    private var payload: [UInt8] = []

    /// Reads a record's type names into `types`. A writer's records mostly repeat one table (an
    /// answer's record names the same types each time), so a table equal to the last one is a
    /// single comparison of its bytes, and one equal to one of the four before it a swap.
    mutating func readTypes(of header: RecordHeader, in record: UnsafeRawBufferPointer) {
        let bytes = UnsafeRawBufferPointer(rebasing: record[RecordFormat.fixedHeaderEnd..<header.eventTable])
        guard !table.holds(bytes) else { return }
        if let index = recent.firstIndex(where: { $0.table.holds(bytes) }) {
            swap(&table, &recent[index].table)
            swap(&types, &recent[index].types)
            return
        }
        if recent.count < 4 { recent.append(([], [])) }
        swap(&table, &recent[recent.count - 1].table)
        swap(&types, &recent[recent.count - 1].types)
        // The evicted table's arrays, now this walk's alone, take the new one.
        table.removeAll(keepingCapacity: true)
        table.append(contentsOf: bytes)
        types.removeAll(keepingCapacity: true)
        header.forEachTypeName(in: record) { types.append(names.name($0)) }
    }

    /// Makes `bytes` the payload and returns it (sharing its buffer with `payload`).
    mutating func payload(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        payload.removeAll(keepingCapacity: true)
        payload.append(contentsOf: bytes)
        return payload
    }
}
