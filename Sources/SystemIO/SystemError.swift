import Glibc

/// A failed system call: which call, on what path, at what offset, and the errno it returned.
///
/// Every message names the operation and the file, so a user reading it knows where to look
/// ("pwrite failed on /store/lines/000001/…seg at offset 4096: No space left on device").
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The errno value (`ENOSPC`, `EIO`, ...), or 0 for a failure with no errno (a short write).
    public var code: Int32
    /// The C call that failed, such as `pwrite` or `fdatasync`.
    public var operation: String
    /// The file the call was about, if any.
    public var path: String?
    /// The byte offset the call was about, if any.
    public var offset: Int64?

    public init(code: Int32, operation: String, path: String? = nil, offset: Int64? = nil) {
        self.code = code
        self.operation = operation
        self.path = path
        self.offset = offset
    }

    public var description: String {
        var text = "\(operation) failed"
        if let path { text += " on \(path)" }
        if let offset { text += " at offset \(offset)" }
        text += ": " + (code == 0 ? "short transfer" : String(cString: strerror(code)))
        return text
    }
}
