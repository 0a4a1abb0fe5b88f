import Engine
import EventLog
import GESAL
import PostgresLog

/// The history at `location`: a store folder, or a PostgreSQL store for a `postgres://` URL.
public func openHistory(_ location: String) throws -> any EventHistory {
    PostgresLocation.isURL(location) ? try PostgresStore.open(location) : try LogStore(at: location)
}

/// The history at `location`, or nil when there is no store there (a PostgreSQL database that
/// cannot be reached is an error, not a missing store).
public func existingHistory(_ location: String) throws -> (any EventHistory)? {
    guard PostgresLocation.isURL(location) else { return LogStore.exists(at: location) ? try LogStore(at: location) : nil }
    do {
        return try PostgresStore.open(location)
    } catch let error as LogError where error.code == .notAStore {
        return nil
    }
}

/// Whether `location` holds a store.
public func historyExists(_ location: String) throws -> Bool {
    try existingHistory(location) != nil
}

/// A writer for the existing store at `location`: the one writer of a folder (recovery
/// reported on standard error), or a shared one for PostgreSQL.
public func openExistingHistoryWriter(_ location: String) throws -> any HistoryWriter {
    PostgresLocation.isURL(location) ? try PostgresStore.open(location) : try openLogWriter(at: location)
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
        guard let history = try existingHistory(location) else { return nil }
        return try storeCreated(in: history, branch: branch)
    }
}
