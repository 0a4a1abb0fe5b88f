import EventLog
import PostgresLog

/// The history at `location`: a store folder, or a PostgreSQL store for a `postgres://` URL.
public func openHistory(_ location: String) throws -> any EventHistory {
    PostgresLocation.isURL(location) ? try PostgresStore.open(location) : try LogStore(at: location)
}
