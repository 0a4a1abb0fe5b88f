import Foundation
import PostgresLog

/// A database of its own for each PostgreSQL test, on the throwaway cluster scripts/test.sh
/// starts (`GESAL_TEST_POSTGRES`). Without that variable the tests skip, unless
/// `GESAL_REQUIRE_POSTGRES=1` (the README's test command), where they fail instead.
public enum PostgresFixture {
    public static let serverURL: String? = ProcessInfo.processInfo.environment["GESAL_TEST_POSTGRES"]
    /// Whether the PostgreSQL tests run: a server is given, or one is required.
    public static let enabled = serverURL != nil || ProcessInfo.processInfo.environment["GESAL_REQUIRE_POSTGRES"] == "1"

    /// A new, empty database's URL; dropped by `drop`.
    public static func freshDatabase() throws -> String {
        guard let serverURL else { throw FixtureError("GESAL_REQUIRE_POSTGRES=1 but GESAL_TEST_POSTGRES is not set: run ./scripts/test.sh") }
        let name = "gesal_test_" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        return try PostgresAdmin.createDatabase(name, on: serverURL)
    }

    public static func drop(_ url: String) {
        guard let serverURL, let name = url.split(separator: "/").last?.split(separator: "?").first else { return }
        try? PostgresAdmin.dropDatabase(String(name), on: serverURL)
    }

    public struct FixtureError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }
}
