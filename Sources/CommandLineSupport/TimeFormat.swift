import Foundation

/// `2026-11-21T19:29:19.017Z` for nanoseconds since the Unix epoch.
public func isoTime(nanos: Int64) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: Date(timeIntervalSince1970: Double(nanos) / 1e9))
}
