import EventLog
import Foundation
import Migrations
import PostgresNIO

/// The store's schema, versioned like the SQLite read model's: each migration of
/// `migrations/postgres/` runs once, in a transaction, recorded with its SHA-256 in
/// `gesal_schema_migrations`. Workers starting together take an advisory lock, so one runs it.
enum PostgresSchema {
    static var migrations: [(version: Int, name: String, sql: String)] {
        Migrations.postgres.map { ($0.version, $0.name, String(decoding: $0.sql, as: UTF8.self)) }
    }

    /// An arbitrary constant: the advisory lock workers take while migrating.
    private static let migrationLock: Int64 = 0x6765_7361_6c5f_6d67

    /// The versions applied so far (empty when the database has no store).
    static func applied(_ session: PostgresSession) throws(LogError) -> [Int: (name: String, sha256: String)] {
        let exists = try session.run("SELECT to_regclass('gesal_schema_migrations') IS NOT NULL")
        guard let row = exists.rows.first, (try? row.decode(Bool.self)) == true else { return [:] }
        var applied: [Int: (String, String)] = [:]
        for row in try session.run("SELECT version, name, sha256 FROM gesal_schema_migrations").rows {
            guard let (version, name, sha256) = try? row.decode((Int, String, String).self) else { continue }
            applied[version] = (name, sha256)
        }
        return applied
    }

    /// Refuses a schema made by a newer build or changed since it ran.
    static func check(_ applied: [Int: (name: String, sha256: String)], location: PostgresLocation) throws(LogError) {
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        for (version, record) in applied.sorted(by: { $0.key < $1.key }) {
            guard let migration = known[version] else {
                throw LogError(.unsupportedVersion, "\(location.display): the store's schema has migration \(version) (\(record.name)), "
                    + "made by a newer GESAL; this build knows up to \(migrations.map(\.version).max() ?? 0)")
            }
            guard Hash256.of(Array(migration.sql.utf8)).hex == record.sha256 else {
                throw LogError(.corrupt, "\(location.display): schema migration \(migration.name) changed since it was applied")
            }
        }
    }

    /// A migration's statements, one at a time: the extended protocol postgres-nio speaks
    /// takes one per query. A statement ends with `;` at the end of a line; `--` lines are
    /// comments.
    static func statements(of sql: String) -> [String] {
        var statements: [String] = [], current: [Substring] = []
        for line in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("--") || trimmed.isEmpty { continue }
            current.append(line)
            if trimmed.hasSuffix(";") {
                statements.append(current.joined(separator: "\n"))
                current = []
            }
        }
        if !current.isEmpty { statements.append(current.joined(separator: "\n")) }
        return statements
    }

    /// Applies what has not run yet; returns the names applied now.
    @discardableResult
    static func migrate(_ session: PostgresSession) throws(LogError) -> [String] {
        try session.transaction { queries throws(LogError) in
            try queries.run("SELECT pg_advisory_xact_lock(\(migrationLock))")
            try queries.run("""
                CREATE TABLE IF NOT EXISTS gesal_schema_migrations (version integer PRIMARY KEY, name text NOT NULL,
                    sha256 text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
                """)
            var done: Set<Int> = []
            for row in try queries.run("SELECT version FROM gesal_schema_migrations").rows {
                if let version = try? row.decode(Int.self) { done.insert(version) }
            }
            var ran: [String] = []
            for migration in migrations where !done.contains(migration.version) {
                for statement in statements(of: migration.sql) { try queries.run(PostgresQuery(unsafeSQL: statement)) }
                let digest = Hash256.of(Array(migration.sql.utf8)).hex
                try queries.run("INSERT INTO gesal_schema_migrations (version, name, sha256) VALUES (\(migration.version), \(migration.name), \(digest))")
                ran.append(migration.name)
            }
            return ran
        }
    }
}
