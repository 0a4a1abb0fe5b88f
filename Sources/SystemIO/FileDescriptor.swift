import Glibc

/// An open file, with the few operations the storage code needs, each one a loop around one
/// syscall of `Syscalls` that retries `EINTR` and short transfers and throws `SystemError`.
public struct FileDescriptor: Sendable {
    public enum Access: Sendable {
        case readOnly
        /// Read and write; create the file if it does not exist.
        case readWrite
        /// Create a new file; fail with `EEXIST` if there is one.
        case createNew
    }

    public let raw: Int32
    public let path: String
    public let syscalls: Syscalls

    /// `open(2)` with `O_CLOEXEC`; `mode` is the permission of a file it creates.
    public static func open(_ path: String, _ access: Access, mode: mode_t = 0o644, syscalls: Syscalls = .live) throws -> FileDescriptor {
        let flags: Int32
        switch access {
        case .readOnly: flags = O_RDONLY
        case .readWrite: flags = O_RDWR | O_CREAT
        case .createNew: flags = O_RDWR | O_CREAT | O_EXCL
        }
        let fd = retryingInterrupts { syscalls.open(path, flags | O_CLOEXEC, mode) }
        guard fd >= 0 else { throw SystemError(code: errno, operation: "open", path: path) }
        return FileDescriptor(raw: fd, path: path, syscalls: syscalls)
    }

    /// `close(2)`. Errors are reported but the descriptor is gone either way.
    public func close() throws {
        if syscalls.close(raw) != 0 { throw SystemError(code: errno, operation: "close", path: path) }
    }

    /// `fstat(2)`: the file's size in bytes.
    public func size() throws -> Int64 {
        let size = syscalls.fileSize(raw)
        guard size >= 0 else { throw SystemError(code: errno, operation: "fstat", path: path) }
        return size
    }

    /// `pread(2)` until `count` bytes are read or the file ends; returns what was read.
    public func read(at offset: Int64, count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let done = try bytes.withUnsafeMutableBytes { try read(at: offset, into: $0) }
        bytes.removeLast(count - done)
        return bytes
    }

    /// `pread(2)` into `buffer` until it is full or the file ends; returns the bytes read.
    /// For readers that reuse one buffer (a segment read in windows).
    public func read(at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var done = 0
        while done < buffer.count {
            let n = retryingInterrupts {
                syscalls.pread(raw, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            }
            if n < 0 { throw SystemError(code: errno, operation: "pread", path: path, offset: offset + Int64(done)) }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// The whole file. A file that reports size 0 is read to its end: procfs files
    /// (/proc/self/status) say 0 and still have content.
    public func readAll() throws -> [UInt8] {
        let size = Int(try size())
        guard size == 0 else { return try read(at: 0, count: size) }
        var bytes: [UInt8] = []
        while case let more = try read(at: Int64(bytes.count), count: 4096), !more.isEmpty { bytes += more }
        return bytes
    }

    /// `pwrite(2)` until every byte is written. A call that writes nothing without an errno is
    /// reported as a short transfer rather than retried forever.
    public func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws {
        var done = 0
        while done < bytes.count {
            let n = retryingInterrupts {
                syscalls.pwrite(raw, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            }
            if n < 0 { throw SystemError(code: errno, operation: "pwrite", path: path, offset: offset + Int64(done)) }
            if n == 0 { throw SystemError(code: 0, operation: "pwrite", path: path, offset: offset + Int64(done)) }
            done += n
        }
    }

    public func write(_ bytes: [UInt8], at offset: Int64) throws {
        try bytes.withUnsafeBytes { try write($0, at: offset) }
    }

    /// `fdatasync(2)`: makes written data durable.
    public func syncData() throws {
        if retryingInterrupts({ syscalls.fdatasync(raw) }) != 0 {
            throw SystemError(code: errno, operation: "fdatasync", path: path)
        }
    }

    /// `fsync(2)`: data and all metadata; used on directories after a rename or a create.
    public func sync() throws {
        if retryingInterrupts({ syscalls.fsync(raw) }) != 0 {
            throw SystemError(code: errno, operation: "fsync", path: path)
        }
    }

    /// `ftruncate(2)`.
    public func truncate(to length: Int64) throws {
        if retryingInterrupts({ syscalls.ftruncate(raw, off_t(length)) }) != 0 {
            throw SystemError(code: errno, operation: "ftruncate", path: path, offset: length)
        }
    }

    /// `flock(2)` with `LOCK_NB`: takes an advisory lock if nobody holds a conflicting one.
    /// Returns false when another process holds it.
    public func tryLock(exclusive: Bool) throws -> Bool {
        let operation = (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB
        if retryingInterrupts({ syscalls.flock(raw, operation) }) == 0 { return true }
        if errno == EWOULDBLOCK { return false }
        throw SystemError(code: errno, operation: "flock", path: path)
    }
}

/// Runs a syscall again while it fails with `EINTR`.
@inline(__always)
func retryingInterrupts<T: BinaryInteger>(_ call: () -> T) -> T {
    while true {
        let result = call()
        if result >= 0 || errno != EINTR { return result }
    }
}
