import EventLog
import Foundation
import Migrations

/// Applies the read model's migrations in order, each in its own transaction, and records
/// what ran (version, name, SHA-256 of the SQL) in `migrations`, like GRDB's
/// `DatabaseMigrator`.
public struct Migrator: Sendable {
    public struct Migration: Sendable {
        public var version: Int
        public var name: String
        public var sql: String
    }

    public let migrations: [Migration]

    /// The migrations compiled from `migrations/`.
    public static let standard = Migrator(migrations: Migrations.all.map { Migration(version: $0.version, name: $0.name, sql: String(decoding: $0.sql, as: UTF8.self)) })

    public init(migrations: [Migration]) {
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// Applies what `database` has not run yet; returns the names applied now.
    @discardableResult
    public func migrate(_ database: SQLiteDatabase) throws -> [String] {
        try database.execute("CREATE TABLE IF NOT EXISTS migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, sha256 TEXT NOT NULL, applied_at TEXT NOT NULL)")
        var applied: [Int: (name: String, sha256: String)] = [:]
        let query = try database.prepare("SELECT version, name, sha256 FROM migrations")
        while try query.step() { applied[Int(query.int64(0))] = (query.text(1) ?? "", query.text(2) ?? "") }

        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        for (version, record) in applied.sorted(by: { $0.key < $1.key }) {
            guard let migration = known[version] else {
                throw MigrationError("\(database.path) has migration \(version) (\(record.name)), which this build does not know: it was made by a newer GESAL. Delete it and run `gesal-log reindex`.")
            }
            guard Self.digest(migration.sql) == record.sha256 else {
                throw MigrationError("\(database.path): migration \(migration.name) changed since it was applied. Delete the file and run `gesal-log reindex`.")
            }
        }
        var ran: [String] = []
        for migration in migrations where applied[migration.version] == nil {
            try database.execute("BEGIN IMMEDIATE")
            do {
                try database.execute(migration.sql)
                let record = try database.prepare("INSERT INTO migrations (version, name, sha256, applied_at) VALUES (?, ?, ?, ?)")
                try record.run([.int(migration.version), .text(migration.name), .text(Self.digest(migration.sql)),
                                .text(isoTime(nanos: Int64(Date().timeIntervalSince1970 * 1e9)))])
                try database.execute("COMMIT")
            } catch {
                try? database.execute("ROLLBACK")
                throw MigrationError("migration \(migration.name) failed: \(error)")
            }
            ran.append(migration.name)
        }
        return ran
    }

    static func digest(_ sql: String) -> String {
        Hash256.of(Array(sql.utf8)).hex
    }
}

public struct MigrationError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
