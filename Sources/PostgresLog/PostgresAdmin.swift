import EventLog
import PostgresNIO

/// Databases on a server: what a test or `gesal-log init --create-database` needs before a
/// store can be created in one. Runs as the URL's user, who must have CREATEDB.
public enum PostgresAdmin {
    /// Creates database `name` on the server `url` points at, and returns `url` with its
    /// database replaced by `name`. The name is letters, digits and `_` only.
    public static func createDatabase(_ name: String, on url: String) throws(LogError) -> String {
        let location = try PostgresLocation(url: url)
        try checkName(name)
        var maintenance = location
        maintenance.database = "postgres"
        try PostgresSession(maintenance).run(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
        return replacingDatabase(of: url, with: name)
    }

    /// Drops database `name` (closing nothing: its connections must be gone).
    public static func dropDatabase(_ name: String, on url: String) throws(LogError) {
        var location = try PostgresLocation(url: url)
        try checkName(name)
        location.database = "postgres"
        try PostgresSession(location).run(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"))
    }

    /// `url` naming database `name` instead (its query, if any, kept).
    public static func replacingDatabase(of url: String, with name: String) -> String {
        let query = url.firstIndex(of: "?").map { String(url[$0...]) } ?? ""
        let base = url.firstIndex(of: "?").map { String(url[..<$0]) } ?? url
        let scheme = base.range(of: "://")!.upperBound
        let authority = base[scheme...].firstIndex(of: "/").map { String(base[..<$0]) } ?? base
        return authority + "/" + name + query
    }

    private static func checkName(_ name: String) throws(LogError) {
        guard !name.isEmpty, name.count <= 63, name.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F }),
              !(name.first!.isNumber) else {
            throw LogError(.invalidArgument, "'\(name)' is not a database name this tool creates (lowercase letters, digits, _; 63 at most)")
        }
    }
}
