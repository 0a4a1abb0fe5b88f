import CSQLite

/// A failed SQLite call: the result code, SQLite's message, and the SQL or file it was about.
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    public var code: Int32
    public var message: String
    public var context: String

    public var description: String { "SQLite error \(code) (\(message)) in: \(context)" }
}
