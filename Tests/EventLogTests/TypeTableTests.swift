import Foundation
import Testing
@testable import EventLog

/// A walk keeps the type tables of the last records it read (`WalkScratch`), so a record whose
/// table it met before gets that table's names back. The oracle is what was appended.
struct TypeTableTests {
    /// Seven tables, each a different set or order of names, visited so that every one comes
    /// back after all the others: more tables than the walk keeps, in every order of return.
    static let tables: [[String]] = [
        ["A.v1"], ["B.v1"], ["A.v1", "B.v1"], ["B.v1", "A.v1"], ["C.v1", "A.v1", "B.v1"], ["C.v1"], ["D.v1", "C.v1"],
    ]

    static func drafts() -> [[EventDraft]] {
        let order = [0, 1, 2, 3, 4, 5, 6, 0, 6, 1, 5, 2, 4, 3, 3, 0, 0, 6, 2, 6, 1, 4, 5, 0]
        var n = 0
        return order.map { table in
            Self.tables[table].map { type in
                n += 1
                return EventDraft(type: type, payload: Array("\(type) \(n)".utf8))
            }
        }
    }

    @Test(arguments: [ReadAhead.never, .always]) func everyRecordReadsBackItsOwnTypes(readAhead: ReadAhead) throws {
        let folder = TemporaryDirectory()
        let writer = try LogWriter.create(at: folder.sub("s"), options: StoreOptions(durability: .none))
        let records = Self.drafts()
        for record in records { try writer.append(record) }
        try writer.close()
        var store = try LogStore(at: folder.sub("s"))
        store.readAhead = readAhead
        #expect(try store.events().map(\.draft) == records.flatMap { $0 })
    }
}
