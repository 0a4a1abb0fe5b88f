import SystemIO

/// Everything the log can refuse, with a code, a message, and the file and offset it is about.
public struct LogError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// A system call failed (the message carries the `SystemError`).
        case io
        /// Bytes that should be a record, segment, index or blob are not.
        case corrupt
        /// The last segment ends in a record that never finished; opening for writing cuts it.
        case tornTail
        /// Another process holds the writer lock.
        case locked
        /// The directory is not a GESAL store (or does not exist).
        case notAStore
        /// The store was written by a newer format than this build reads.
        case unsupportedVersion
        case unknownBranch
        case branchExists
        /// A sequence number outside the branch's history.
        case badSequence
        case blobMissing
        case invalidArgument
        /// Another writer appended to the branch after the head this append was decided on
        /// (a shared store): catch up, decide again, retry.
        case conflict
    }

    public var code: Code
    public var message: String
    public var path: String?
    public var offset: Int64?

    public init(_ code: Code, _ message: String, path: String? = nil, offset: Int64? = nil) {
        self.code = code
        self.message = message
        self.path = path
        self.offset = offset
    }

    /// Bytes after the last whole record of a segment that are not a record.
    static func tornTail(_ reason: String, path: String, offset: Int) -> LogError {
        LogError(.tornTail, "\(reason): the last record never finished (opening the store for writing cuts it back and keeps the bytes)",
                 path: path, offset: Int64(offset))
    }

    init(_ error: SystemError) {
        self.init(.io, error.description, path: error.path, offset: error.offset)
    }

    /// `path at offset N: message`, or just the message when there is no file.
    public var description: String {
        guard let path else { return message }
        if let offset { return "\(path) at offset \(offset): \(message)" }
        return "\(path): \(message)"
    }
}

/// Runs `body`, turning `SystemError`s into `LogError`s.
func io<T>(_ body: () throws -> T) throws(LogError) -> T {
    do {
        return try body()
    } catch let error as LogError {
        throw error
    } catch let error as SystemError {
        throw LogError(error)
    } catch {
        throw LogError(.io, "\(error)")
    }
}
