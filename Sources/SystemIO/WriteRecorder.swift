import Glibc

/// One change a process made to a file system, as the kernel saw it through `Syscalls`.
/// Files and directories are named by an inode number the recorder assigns, so a rename
/// moves the name and not the data.
public enum WriteOperation: Sendable, Equatable {
    /// A new file (`open` with `O_CREAT` of a name that did not exist) or directory (`mkdir`).
    case create(path: String, inode: Int, directory: Bool)
    case write(inode: Int, offset: Int, bytes: [UInt8])
    case truncate(inode: Int, length: Int)
    /// `fsync` or `fdatasync`: of a file, its data; of a directory, the names in it.
    case sync(inode: Int)
    case rename(from: String, to: String)
    case unlink(path: String)
}

/// Live syscalls that also record every change under `root`, for `PowerLoss` to replay up to
/// any point and drop what was not yet durable there. The workload runs on the real file
/// system and reads its own writes as usual; only the record is used to make crash images.
public final class WriteRecorder: Sendable {
    public let root: String

    private struct State {
        var operations: [WriteOperation] = []
        /// The names as the running process sees them (every change applied).
        var names: [String: Int] = [:]
        var descriptors: [Int32: Int] = [:]
        var nextInode = 1
    }

    private let state = Locked(State())

    /// Records changes under `root`, an existing, empty directory (inode 0) that is taken as
    /// durable, as a directory made before the workload starts would be.
    public init(root: String) {
        self.root = root
        state.withLock { $0.names[root] = 0 }
    }

    /// How many changes have been recorded: the crash points so far.
    public var count: Int { state.withLock { $0.operations.count } }

    /// The changes recorded so far, in the order they happened.
    public var operations: [WriteOperation] { state.withLock { $0.operations } }

    private func inScope(_ path: String) -> Bool { path == root || path.hasPrefix(root + "/") }

    public var syscalls: Syscalls {
        var calls = Syscalls.live
        let live = Syscalls.live
        calls.open = { [self] path, flags, mode in
            let existed = state.withLock { $0.names[path] != nil }
            let fd = live.open(path, flags, mode)
            guard fd >= 0, inScope(path) else { return fd }
            state.withLock { state in
                if !existed && flags & O_CREAT != 0 {
                    let inode = state.nextInode
                    state.nextInode += 1
                    state.names[path] = inode
                    state.operations.append(.create(path: path, inode: inode, directory: false))
                }
                state.descriptors[fd] = state.names[path]
            }
            return fd
        }
        calls.close = { [self] fd in
            state.withLock { _ = $0.descriptors.removeValue(forKey: fd) }
            return live.close(fd)
        }
        calls.pwrite = { [self] fd, buffer, count, offset in
            let written = live.pwrite(fd, buffer, count, offset)
            if written > 0 {
                state.withLock { state in
                    guard let inode = state.descriptors[fd] else { return }
                    let bytes = Array(UnsafeRawBufferPointer(start: buffer, count: written))
                    state.operations.append(.write(inode: inode, offset: Int(offset), bytes: bytes))
                }
            }
            return written
        }
        calls.ftruncate = { [self] fd, length in
            let result = live.ftruncate(fd, length)
            if result == 0 { record(fd) { .truncate(inode: $0, length: Int(length)) } }
            return result
        }
        calls.fdatasync = { [self] fd in
            let result = live.fdatasync(fd)
            if result == 0 { record(fd) { .sync(inode: $0) } }
            return result
        }
        calls.fsync = { [self] fd in
            let result = live.fsync(fd)
            if result == 0 { record(fd) { .sync(inode: $0) } }
            return result
        }
        calls.rename = { [self] from, to in
            let result = live.rename(from, to)
            if result == 0 && inScope(from) {
                state.withLock { state in
                    if let inode = state.names.removeValue(forKey: from) { state.names[to] = inode }
                    state.operations.append(.rename(from: from, to: to))
                }
            }
            return result
        }
        calls.unlink = { [self] path in
            let result = live.unlink(path)
            if result == 0 && inScope(path) {
                state.withLock { state in
                    state.names.removeValue(forKey: path)
                    state.operations.append(.unlink(path: path))
                }
            }
            return result
        }
        calls.mkdir = { [self] path, mode in
            let result = live.mkdir(path, mode)
            if result == 0 && inScope(path) {
                state.withLock { state in
                    let inode = state.nextInode
                    state.nextInode += 1
                    state.names[path] = inode
                    state.operations.append(.create(path: path, inode: inode, directory: true))
                }
            }
            return result
        }
        return calls
    }

    private func record(_ fd: Int32, _ operation: (Int) -> WriteOperation) {
        state.withLock { state in
            guard let inode = state.descriptors[fd] else { return }
            state.operations.append(operation(inode))
        }
    }
}
