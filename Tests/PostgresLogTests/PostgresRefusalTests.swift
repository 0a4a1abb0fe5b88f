import Dispatch
import EventLog
import Foundation
import PostgresLog
import Synchronization
import Testing
import TestSupport

/// What a user gets wrong, and the one-line errors that say so, never with the password.
@Suite(.enabled(if: PostgresFixture.enabled, "needs the throwaway PostgreSQL cluster of scripts/test.sh"))
struct PostgresRefusalTests {
    @Test func aWrongPasswordIsNamedWithoutThePassword() throws {
        let url = try PostgresFixture.freshDatabase()
        defer { PostgresFixture.drop(url) }
        let wrong = url.replacingOccurrences(of: "://gesal:", with: "://gesal:not-the-password-")
        #expect { try PostgresStore.open(wrong) } throws: { error in
            let text = "\(error)"
            return text.contains("password authentication failed") && text.contains("postgres://gesal@127.0.0.1")
                && !text.contains("not-the-password") && !text.contains("\n")
        }
    }

    @Test func anUnreachableServerIsNamed() throws {
        #expect { try PostgresStore.open("postgres://gesal:secret@127.0.0.1:1/gesal") } throws: { error in
            let text = "\(error)"
            return text.contains("postgres://gesal@127.0.0.1:1/gesal") && text.contains("cannot be reached") && !text.contains("secret")
        }
    }

    @Test func aDatabaseWithoutAStoreIsNotAStore() throws {
        let url = try PostgresFixture.freshDatabase()
        defer { PostgresFixture.drop(url) }
        #expect { try PostgresStore.open(url) } throws: { ($0 as? LogError)?.code == .notAStore && "\($0)".contains("gesal-log init") }
    }

    @Test func aSchemaFromANewerBuildIsRefused() throws {
        let url = try PostgresFixture.freshDatabase()
        defer { PostgresFixture.drop(url) }
        let store = try PostgresStore.create(url)
        try store.execute("INSERT INTO gesal_schema_migrations (version, name, sha256) VALUES (999, '0999_future', 'x')")
        #expect { try PostgresStore.open(url) } throws: { error in
            (error as? LogError)?.code == .unsupportedVersion && "\(error)".contains("migration 999") && "\(error)".contains("newer GESAL")
        }
    }

    @Test func creatingTwiceIsRefused() throws {
        let url = try PostgresFixture.freshDatabase()
        defer { PostgresFixture.drop(url) }
        _ = try PostgresStore.create(url)
        #expect { try PostgresStore.create(url) } throws: { "\($0)".contains("a store already exists") }
    }

    /// Workers started together on an empty database: each opens or creates, one creates,
    /// none fails, and there is one store with one `main`.
    @Test func workersStartingTogetherMakeOneStore() throws {
        let url = try PostgresFixture.freshDatabase()
        defer { PostgresFixture.drop(url) }
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            do { try PostgresStore.openOrCreate(url).close() } catch { failures.withLock { $0.append("\(error)") } }
        }
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
        let store = try PostgresStore.open(url)
        #expect(try store.branches().keys.sorted() == ["main"])
        #expect(try store.reflog().count == 1)
    }
}
