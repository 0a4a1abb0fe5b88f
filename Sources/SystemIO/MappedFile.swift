import Glibc

/// A whole file mapped read-only (`mmap(2)`), unmapped when the last reference goes. Model
/// weights are read through this, so a 100 MB model costs page cache, not a copy.
public final class MappedFile: @unchecked Sendable {
    // Immutable after init and read-only memory: safe to share across threads.
    public let path: String
    public let bytes: UnsafeRawBufferPointer
    private let syscalls: Syscalls

    public init(path: String, syscalls: Syscalls = .live) throws {
        let file = try FileDescriptor.open(path, .readOnly, syscalls: syscalls)
        defer { try? file.close() }
        let size = Int(try file.size())
        self.path = path
        self.syscalls = syscalls
        if size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let address = syscalls.mapReadOnly(file.raw, size) else {
            throw SystemError(code: errno, operation: "mmap", path: path)
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    deinit {
        if let base = bytes.baseAddress { _ = syscalls.unmap(base, bytes.count) }
    }
}
