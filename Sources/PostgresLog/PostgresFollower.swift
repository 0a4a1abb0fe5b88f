import EventLog
import PostgresNIO

/// Hears every append to a PostgreSQL store as it commits (`LISTEN gesal_appended`; each
/// append sends `NOTIFY` with its branch and new head in the same transaction, so the
/// notification arrives only once the records are visible). It has a connection of its own,
/// so a long query elsewhere does not hold notifications back. `handler` runs on a NIO thread:
/// keep it short (hand the work to the engine's queue).
public final class PostgresFollower: Sendable {
    private let session: PostgresSession
    private let context: PostgresListenContext

    public init(_ url: String, handler: @escaping @Sendable (_ branch: String, _ head: UInt64) -> Void) throws(LogError) {
        session = try PostgresSession(PostgresLocation(url: url))
        context = session.listen(channel: "gesal_appended") { payload in
            let parts = payload.split(separator: " ")
            guard parts.count == 2, let head = UInt64(parts[1]) else { return }
            handler(String(parts[0]), head)
        }
        try session.run("LISTEN gesal_appended")
    }

    /// Stops hearing appends and closes the connection.
    public func stop() {
        context.stop()
        session.close()
    }

    deinit { stop() }
}
