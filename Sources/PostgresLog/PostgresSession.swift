import EventLog
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PostgresNIO

/// The one owner of a connection to the server: every query runs under its lock, a
/// transaction holds it from BEGIN to COMMIT. Calls block the calling thread until the server
/// answers (the engine and the CLIs are synchronous); they must not run on an event loop.
/// Errors name the store by its URL without the password.
final class PostgresSession: Sendable {
    let location: PostgresLocation
    private let connection: PostgresConnection
    private let lock = NIOLock()
    private static let logger = Logger(label: "gesal.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    init(_ location: PostgresLocation) throws(LogError) {
        self.location = location
        var configuration: PostgresConnection.Configuration
        if let socket = location.socketPath {
            configuration = .init(unixSocketPath: socket, username: location.user, password: location.password, database: location.database)
        } else {
            configuration = .init(host: location.host, port: location.port, username: location.user, password: location.password,
                                  database: location.database, tls: .disable)
        }
        configuration.options.connectTimeout = .seconds(10)
        do {
            connection = try PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration,
                                                        id: 1, logger: Self.logger).wait()
        } catch {
            throw Self.describe(error, location: location, doing: "cannot connect")
        }
    }

    deinit {
        close()
    }

    /// Closes the connection; later queries fail with a clear error.
    func close() {
        lock.lock()
        defer { lock.unlock() }
        guard !connection.isClosed else { return }
        try? connection.close().wait()
    }

    /// Calls `handler` with the payload of each notification on `channel` (after `LISTEN`).
    func listen(channel: String, handler: @escaping @Sendable (String) -> Void) -> PostgresListenContext {
        connection.addListener(channel: channel) { _, notification in handler(notification.payload) }
    }

    /// Runs one statement outside a transaction.
    @discardableResult
    func run(_ query: PostgresQuery) throws(LogError) -> PostgresQueryResult {
        lock.lock()
        defer { lock.unlock() }
        return try Queries(session: self).run(query)
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    func transaction<T>(_ body: (Queries) throws(LogError) -> T) throws(LogError) -> T {
        lock.lock()
        defer { lock.unlock() }
        let queries = Queries(session: self)
        try queries.run("BEGIN")
        do {
            let result = try body(queries)
            try queries.run("COMMIT")
            return result
        } catch {
            _ = try? queries.run("ROLLBACK")
            throw error
        }
    }

    /// What a transaction's body may run; only valid while the session's lock is held.
    struct Queries {
        fileprivate let session: PostgresSession

        @discardableResult
        func run(_ query: PostgresQuery) throws(LogError) -> PostgresQueryResult {
            do {
                return try session.connection.query(query, logger: PostgresSession.logger).wait()
            } catch {
                throw PostgresSession.describe(error, location: session.location, doing: "query failed")
            }
        }
    }

    /// The SQLSTATE of a server error (`23505` for a unique violation), if `error` is one.
    static func sqlState(of error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// A `LogError` naming the store (without its password) and what the server or the
    /// network said, in one line.
    static func describe(_ error: any Error, location: PostgresLocation, doing: String) -> LogError {
        if let error = error as? LogError { return error }
        guard let error = error as? PSQLError else {
            return LogError(.io, "\(location.display): \(doing): \(error)")
        }
        if let info = error.serverInfo, let message = info[.message] {
            let state = info[.sqlState] ?? "?"
            let code: LogError.Code = state == "23505" || state == "40001" ? .conflict : .io
            return LogError(code, "\(location.display): \(doing): \(message) (SQLSTATE \(state))")
        }
        switch error.code {
        case .connectionError:
            let cause = error.underlying.map { "\($0)" } ?? "no answer"
            return LogError(.io, "\(location.display): \(doing): the server cannot be reached (\(cause)); is PostgreSQL running and listening there?")
        case .authMechanismRequiresPassword:
            return LogError(.io, "\(location.display): \(doing): the server asks for a password and none was given (URL, PGPASSWORD or a password file)")
        case .serverClosedConnection, .clientClosedConnection:
            return LogError(.io, "\(location.display): \(doing): the connection was closed")
        default:
            return LogError(.io, "\(location.display): \(doing): \(error.code)")
        }
    }
}
