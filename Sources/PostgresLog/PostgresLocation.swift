import EventLog
import Foundation

/// Where a PostgreSQL store is and how to log in, read as libpq reads it: a
/// `postgres://[USER[:PASSWORD]@][HOST][:PORT][/DATABASE][?passfile=FILE]` URL, with what it
/// leaves out taken from `PGHOST`, `PGPORT`, `PGUSER`, `PGDATABASE`, `PGPASSWORD` and then
/// the password file (`PGPASSFILE`, or `~/.pgpass`). The password never appears in `display`,
/// in errors, or in the log.
public struct PostgresLocation: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var user: String
    public var database: String
    var password: String?

    /// Whether `text` names a PostgreSQL store rather than a folder.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// The URL without its password: what messages and the log may show.
    public var display: String { "postgres://\(user)@\(host.hasPrefix("/") ? "[\(host)]" : host):\(port)/\(database)" }

    /// A host starting with `/` is the folder of the server's Unix socket.
    var socketPath: String? { host.hasPrefix("/") ? "\(host)/.s.PGSQL.\(port)" : nil }

    public init(url text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(LogError) {
        let shown = Self.redacted(text)
        guard Self.isURL(text), let parts = URLComponents(string: text) else {
            throw LogError(.invalidArgument, "'\(shown)' is not a postgres:// URL (postgres://USER@HOST:PORT/DATABASE)")
        }
        if let port = parts.port, !(1...65535).contains(port) {
            throw LogError(.invalidArgument, "'\(shown)': port \(port) is out of range")
        }
        let query = Dictionary((parts.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        if let unknown = query.keys.sorted().first(where: { !["passfile", "host", "sslmode"].contains($0) }) {
            throw LogError(.invalidArgument, "'\(shown)': unknown parameter '\(unknown)' (known: host, passfile, sslmode=disable)")
        }
        if let mode = query["sslmode"], mode != "disable" {
            throw LogError(.invalidArgument, "'\(shown)': sslmode=\(mode) is not supported yet; use sslmode=disable on a trusted network or a Unix socket")
        }
        host = query["host"] ?? parts.percentEncodedHost.flatMap { $0.isEmpty ? nil : $0.removingPercentEncoding } ?? environment["PGHOST"] ?? "localhost"
        port = parts.port ?? environment["PGPORT"].flatMap(Int.init) ?? 5432
        user = parts.user.flatMap { $0.isEmpty ? nil : $0 } ?? environment["PGUSER"] ?? NSUserName()
        let path = parts.path.hasPrefix("/") ? String(parts.path.dropFirst()) : parts.path
        database = path.isEmpty ? (environment["PGDATABASE"] ?? user) : path
        password = parts.password ?? environment["PGPASSWORD"]
        if password == nil {
            let file = query["passfile"] ?? environment["PGPASSFILE"] ?? (NSHomeDirectory() + "/.pgpass")
            password = try Self.password(in: file, host: host, port: port, database: database, user: user, explicit: query["passfile"] != nil)
        }
    }

    /// `text` with any password in it replaced by `***`.
    public static func redacted(_ text: String) -> String {
        guard let at = text.firstIndex(of: "@"), let scheme = text.range(of: "://"), scheme.upperBound < at,
              let colon = text[scheme.upperBound..<at].firstIndex(of: ":") else { return text }
        return String(text[..<text.index(after: colon)]) + "***" + String(text[at...])
    }

    /// The first matching line of a libpq password file (`host:port:database:user:password`,
    /// `*` matching anything, `\:` and `\\` escaped). A file named on the URL must exist.
    public static func password(in file: String, host: String, port: Int, database: String, user: String, explicit: Bool) throws(LogError) -> String? {
        guard let data = FileManager.default.contents(atPath: file) else {
            if explicit { throw LogError(.invalidArgument, "password file \(file) cannot be read") }
            return nil
        }
        for line in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            let fields = splitEscaped(String(line))
            guard fields.count == 5 else { continue }
            let wanted = [host, String(port), database, user]
            if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
        }
        return nil
    }

    private static func splitEscaped(_ line: String) -> [String] {
        var fields = [""], escaped = false
        for character in line {
            if escaped { fields[fields.count - 1].append(character); escaped = false }
            else if character == "\\" { escaped = true }
            else if character == ":" { fields.append("") }
            else { fields[fields.count - 1].append(character) }
        }
        return fields
    }
}
