import CSQLite

/// A prepared statement, bound and stepped many times.
public final class SQLiteStatement {
    let statement: OpaquePointer
    let database: SQLiteDatabase
    public let sql: String

    init(statement: OpaquePointer, database: SQLiteDatabase, sql: String) {
        self.statement = statement
        self.database = database
        self.sql = sql
    }

    deinit {
        sqlite3_finalize(statement)
    }

    /// `sqlite3_bind_int64`; parameters count from 1.
    public func bind(_ index: Int32, _ value: Int64) throws {
        try check(sqlite3_bind_int64(statement, index, value))
    }

    /// `sqlite3_bind_text`, copied by SQLite.
    public func bind(_ index: Int32, _ value: String) throws {
        try check(sqlite3_bind_text(statement, index, value, -1, csqlite_transient()))
    }

    /// `sqlite3_bind_blob`, copied by SQLite.
    public func bind(_ index: Int32, _ value: [UInt8]) throws {
        try check(value.withUnsafeBytes { sqlite3_bind_blob(statement, index, $0.baseAddress, Int32($0.count), csqlite_transient()) })
    }

    /// `sqlite3_bind_double`.
    public func bind(_ index: Int32, _ value: Double) throws {
        try check(sqlite3_bind_double(statement, index, value))
    }

    /// `sqlite3_bind_null`.
    public func bindNull(_ index: Int32) throws {
        try check(sqlite3_bind_null(statement, index))
    }

    /// Binds `values` to parameters 1, 2, ... (nil as NULL), steps once and resets: one
    /// INSERT or UPDATE.
    public func run(_ values: [SQLiteValue?]) throws {
        for (i, value) in values.enumerated() {
            let index = Int32(i + 1)
            switch value {
            case .integer(let v)?: try bind(index, v)
            case .real(let v)?: try bind(index, v)
            case .text(let v)?: try bind(index, v)
            case nil: try bindNull(index)
            }
        }
        try step()
        try reset()
    }

    /// `sqlite3_step`: true while it yields a row, false when done.
    @discardableResult
    public func step() throws -> Bool {
        let code = sqlite3_step(statement)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw database.error(code, sql)
        }
    }

    /// `sqlite3_reset` and `sqlite3_clear_bindings`, ready to bind again.
    public func reset() throws {
        try check(sqlite3_reset(statement))
        try check(sqlite3_clear_bindings(statement))
    }

    /// `sqlite3_column_int64`; columns count from 0.
    public func int64(_ column: Int32) -> Int64 {
        sqlite3_column_int64(statement, column)
    }

    /// `sqlite3_column_text`; nil for NULL.
    public func text(_ column: Int32) -> String? {
        sqlite3_column_text(statement, column).map { String(cString: $0) }
    }

    private func check(_ code: Int32) throws {
        if code != SQLITE_OK { throw database.error(code, sql) }
    }
}

/// A value to bind.
public enum SQLiteValue: Sendable {
    case integer(Int64)
    case real(Double)
    case text(String)

    public static func int(_ value: Int) -> SQLiteValue { .integer(Int64(value)) }
    public static func float(_ value: Float) -> SQLiteValue { .real(Double(value)) }
}
