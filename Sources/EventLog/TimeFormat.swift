import Foundation

/// ISO 8601 formatters are thread-safe and costly to make: one serves every call.
nonisolated(unsafe) private let formatter: ISO8601DateFormatter = {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter
}()

/// `2026-11-21T19:29:19.017Z` for nanoseconds since the Unix epoch: how the tools and the read
/// model show an event's commit time.
public func isoTime(nanos: Int64) -> String {
    formatter.string(from: Date(timeIntervalSince1970: Double(nanos) / 1e9))
}
