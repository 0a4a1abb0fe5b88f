import Glibc

/// The one seam between the storage code and the kernel.
///
/// Every syscall the log, the blob store and the snapshots make goes through one of these
/// closures, so a test can swap in a `Syscalls` value that fails the n-th `fdatasync`, returns
/// `ENOSPC` from `pwrite` or writes only half a buffer, and check that the caller reports a
/// clear error and leaves a consistent store. Each closure mirrors its C call exactly: it
/// returns the C result and leaves `errno` set, so `FileDescriptor` can be written once.
public struct Syscalls: Sendable {
    public var open: @Sendable (_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32
    public var close: @Sendable (_ fd: Int32) -> Int32
    public var pread: @Sendable (_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int, _ offset: off_t) -> Int
    public var pwrite: @Sendable (_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int, _ offset: off_t) -> Int
    /// `fdatasync(2)`: data and the metadata needed to read it back (the file size).
    public var fdatasync: @Sendable (_ fd: Int32) -> Int32
    public var fsync: @Sendable (_ fd: Int32) -> Int32
    public var ftruncate: @Sendable (_ fd: Int32, _ length: off_t) -> Int32
    public var fileSize: @Sendable (_ fd: Int32) -> Int64
    public var flock: @Sendable (_ fd: Int32, _ operation: Int32) -> Int32
    public var rename: @Sendable (_ from: String, _ to: String) -> Int32
    public var unlink: @Sendable (_ path: String) -> Int32
    public var mkdir: @Sendable (_ path: String, _ mode: mode_t) -> Int32
    /// `mmap(2)` of a whole file, read-only and private; nil on failure (errno set).
    public var mapReadOnly: @Sendable (_ fd: Int32, _ length: Int) -> UnsafeRawPointer?
    public var unmap: @Sendable (_ address: UnsafeRawPointer, _ length: Int) -> Int32
    /// `kill(pid, 0)`: whether a process exists (one we may not signal still exists).
    public var processExists: @Sendable (_ pid: pid_t) -> Bool

    public init(
        open: @escaping @Sendable (String, Int32, mode_t) -> Int32,
        close: @escaping @Sendable (Int32) -> Int32,
        pread: @escaping @Sendable (Int32, UnsafeMutableRawPointer, Int, off_t) -> Int,
        pwrite: @escaping @Sendable (Int32, UnsafeRawPointer, Int, off_t) -> Int,
        fdatasync: @escaping @Sendable (Int32) -> Int32,
        fsync: @escaping @Sendable (Int32) -> Int32,
        ftruncate: @escaping @Sendable (Int32, off_t) -> Int32,
        fileSize: @escaping @Sendable (Int32) -> Int64,
        flock: @escaping @Sendable (Int32, Int32) -> Int32,
        rename: @escaping @Sendable (String, String) -> Int32,
        unlink: @escaping @Sendable (String) -> Int32,
        mkdir: @escaping @Sendable (String, mode_t) -> Int32,
        mapReadOnly: @escaping @Sendable (Int32, Int) -> UnsafeRawPointer?,
        unmap: @escaping @Sendable (UnsafeRawPointer, Int) -> Int32,
        processExists: @escaping @Sendable (pid_t) -> Bool
    ) {
        self.open = open
        self.close = close
        self.pread = pread
        self.pwrite = pwrite
        self.fdatasync = fdatasync
        self.fsync = fsync
        self.ftruncate = ftruncate
        self.fileSize = fileSize
        self.flock = flock
        self.rename = rename
        self.unlink = unlink
        self.mkdir = mkdir
        self.mapReadOnly = mapReadOnly
        self.unmap = unmap
        self.processExists = processExists
    }

    /// The real kernel.
    public static let live = Syscalls(
        open: { path, flags, mode in Glibc.open(path, flags, mode) },
        close: { Glibc.close($0) },
        pread: { Glibc.pread($0, $1, $2, $3) },
        pwrite: { Glibc.pwrite($0, $1, $2, $3) },
        fdatasync: { Glibc.fdatasync($0) },
        fsync: { Glibc.fsync($0) },
        ftruncate: { Glibc.ftruncate($0, $1) },
        fileSize: { fd in
            var info = stat()
            return fstat(fd, &info) == 0 ? Int64(info.st_size) : -1
        },
        flock: { fd, operation in
            let call: (Int32, Int32) -> Int32 = Glibc.flock(_:_:)  // the function, not `struct flock`
            return call(fd, operation)
        },
        rename: { Glibc.rename($0, $1) },
        unlink: { Glibc.unlink($0) },
        mkdir: { Glibc.mkdir($0, $1) },
        mapReadOnly: { fd, length in
            let address = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0)
            return address == MAP_FAILED ? nil : UnsafeRawPointer(address)
        },
        unmap: { munmap(UnsafeMutableRawPointer(mutating: $0), $1) },
        processExists: { kill($0, 0) == 0 || errno == EPERM }
    )
}
