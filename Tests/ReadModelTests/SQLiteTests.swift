import Foundation
import Testing
import ReadModel

@Suite struct SQLiteTests {
    @Test func preparedInsertsAndAQueryRoundTrip() throws {
        let path = NSTemporaryDirectory() + "gesal-sqlite-\(getpid()).db"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let db = try SQLiteDatabase(path: path)
        try db.execute("CREATE TABLE t(seq INTEGER PRIMARY KEY, name TEXT, payload BLOB)")
        let insert = try db.prepare("INSERT INTO t(seq, name, payload) VALUES (?, ?, ?)")
        for i in 1...5 {
            try insert.bind(1, Int64(i))
            try insert.bind(2, "n\(i)")
            try insert.bind(3, [UInt8(i), 0, 255])
            try insert.step()
            try insert.reset()
        }
        let count = try db.prepare("SELECT count(*), sum(seq) FROM t")
        #expect(try count.step())
        #expect(count.int64(0) == 5 && count.int64(1) == 15)
    }

    @Test func errorsNameTheStatement() throws {
        let db = try SQLiteDatabase(path: ":memory:")
        #expect {
            _ = try db.prepare("SELEKT nonsense")
        } throws: { error in
            "\(error)".contains("SELEKT nonsense") && (error as? SQLiteError)?.code == 1
        }
    }
}
