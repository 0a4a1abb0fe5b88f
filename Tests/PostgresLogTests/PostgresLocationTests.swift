import EventLog
import Foundation
import PostgresLog
import Testing

/// URLs, `PG*` variables and password files read as libpq reads them (no server needed).
struct PostgresLocationTests {
    @Test func aFullURLIsReadAndShownWithoutItsPassword() throws {
        let location = try PostgresLocation(url: "postgres://ann:s3cret@db.example:6543/history", environment: [:])
        #expect(location.display == "postgres://ann@db.example:6543/history")
        #expect(!location.display.contains("s3cret"))
    }

    @Test func whatTheURLLeavesOutComesFromTheEnvironment() throws {
        let location = try PostgresLocation(url: "postgres://", environment: ["PGHOST": "h", "PGPORT": "7000", "PGUSER": "u", "PGDATABASE": "d", "PGPASSFILE": "/nonexistent"])
        #expect(location.display == "postgres://u@h:7000/d")
    }

    @Test func aPasswordFileLineMatchesWithWildcards() throws {
        let file = NSTemporaryDirectory() + "pgpass-\(UUID().uuidString)"
        try "# comment\nother:5432:*:*:no\nh:*:d:u:from\\:file\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect(try PostgresLocation.password(in: file, host: "h", port: 5432, database: "d", user: "u", explicit: true) == "from:file")
        #expect(try PostgresLocation.password(in: file, host: "x", port: 5432, database: "d", user: "u", explicit: true) == nil)
    }

    @Test(arguments: ["http://x/y", "postgres://u:p@h:99999/d", "postgres://h/d?sslmode=require", "postgres://h/d?color=red"])
    func aBadURLIsRefusedByNameWithoutItsPassword(url: String) throws {
        #expect { try PostgresLocation(url: url, environment: [:]) } throws: { error in
            (error as? LogError)?.code == .invalidArgument && !"\(error)".contains(":p@")
        }
    }
}
