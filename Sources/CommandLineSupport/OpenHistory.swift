import Engine
import EventLog
import GESAL
import PostgresLog

/// The history at `location`: a store folder, or a PostgreSQL store for a `postgres://` URL.
public func openHistory(_ location: String) throws -> any EventHistory {
    PostgresLocation.isURL(location) ? try PostgresStore.open(location) : try LogStore(at: location)
}

/// Whether `location` holds a store (a PostgreSQL database that cannot be reached is an error,
/// not a missing store).
public func historyExists(_ location: String) throws -> Bool {
    guard PostgresLocation.isURL(location) else { return LogStore.exists(at: location) }
    do {
        _ = try PostgresStore.open(location)
        return true
    } catch let error as LogError where error.code == .notAStore {
        return false
    }
}

/// A writer for the store at `location`, created when it is missing: for a folder the one
/// writer (recovery reported on standard error), for PostgreSQL a shared one.
public func openHistoryWriter(_ location: String) throws -> any HistoryWriter {
    if PostgresLocation.isURL(location) {
        return try PostgresStore.openOrCreate(location)
    }
    return LogStore.exists(at: location) ? try openLogWriter(at: location) : try LogWriter.create(at: location)
}

extension Engine {
    /// The `StoreCreated` of `branch` in the store at `location` (a folder or a URL), or nil
    /// for a missing store or an empty branch.
    public static func storeCreated(at location: String, branch: String = "main") throws -> StoreCreated? {
        guard try historyExists(location) else { return nil }
        return try storeCreated(in: openHistory(location), branch: branch)
    }
}
