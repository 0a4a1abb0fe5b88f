import Glibc

/// Directory-level operations (create, rename, remove, list, atomic replace), through the same
/// `Syscalls` seam as `FileDescriptor`.
public struct FileSystem: Sendable {
    public let syscalls: Syscalls

    public init(syscalls: Syscalls = .live) {
        self.syscalls = syscalls
    }

    public func open(_ path: String, _ access: FileDescriptor.Access, mode: mode_t = 0o644) throws -> FileDescriptor {
        try FileDescriptor.open(path, access, mode: mode, syscalls: syscalls)
    }

    /// `stat(2)`: whether anything exists at `path`.
    public func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// `stat(2)`: whether `path` is a directory.
    public func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// `mkdir(2)`; an existing directory is fine.
    public func createDirectory(_ path: String) throws {
        if syscalls.mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw SystemError(code: errno, operation: "mkdir", path: path)
        }
    }

    /// `mkdir(2)`, then, when it made the directory, `fsync` of the parent: a name is durable
    /// only once its directory is synced, so without this a power loss can take the new
    /// directory, and every file synced inside it, away. An existing directory is fine.
    public func createDirectory(_ path: String, durable: Bool) throws {
        guard durable else { return try createDirectory(path) }
        if syscalls.mkdir(path, 0o755) == 0 {
            try syncDirectory(directoryName(of: path))
        } else if errno != EEXIST {
            throw SystemError(code: errno, operation: "mkdir", path: path)
        }
    }

    /// `mkdtemp(3)`: a new, empty directory `parent/prefix-XXXXXX` whose suffix no other
    /// directory has; returns its path.
    public func makeTemporaryDirectory(in parent: String = "/tmp", prefix: String) throws -> String {
        var template = Array("\(parent)/\(prefix)-XXXXXX".utf8CString)
        return try template.withUnsafeMutableBufferPointer { buffer in
            guard let path = mkdtemp(buffer.baseAddress!) else {
                throw SystemError(code: errno, operation: "mkdtemp", path: parent)
            }
            return String(cString: path)
        }
    }

    /// `rename(2)`: atomic replacement of `to` on the same file system.
    public func rename(_ from: String, to: String) throws {
        if syscalls.rename(from, to) != 0 {
            throw SystemError(code: errno, operation: "rename", path: from)
        }
    }

    /// `unlink(2)`; a missing file is fine.
    public func remove(_ path: String) throws {
        if syscalls.unlink(path) != 0 && errno != ENOENT {
            throw SystemError(code: errno, operation: "unlink", path: path)
        }
    }

    /// `fsync(2)` on a directory, which makes the creates and renames inside it durable.
    public func syncDirectory(_ path: String) throws {
        let directory = try open(path, .readOnly)
        defer { try? directory.close() }
        try directory.sync()
    }

    /// `opendir(3)` / `readdir(3)`: the names in a directory, sorted, without `.` and `..`.
    public func list(_ path: String) throws -> [String] {
        guard let handle = opendir(path) else { throw SystemError(code: errno, operation: "opendir", path: path) }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// The whole of a small file.
    public func read(_ path: String) throws -> [UInt8] {
        let file = try open(path, .readOnly)
        defer { try? file.close() }
        return try file.readAll()
    }

    /// The process that was writing `name`, when it is a temporary file `writeAtomically`
    /// made (`TARGET.tmp-PID-HEX`); nil for any other name.
    public static func temporaryFileWriter(_ name: String) -> pid_t? {
        let bytes = Array(name.utf8), marker = Array(".tmp-".utf8)
        guard bytes.count > marker.count, let start = stride(from: bytes.count - marker.count, through: 0, by: -1)
            .first(where: { bytes[$0..<($0 + marker.count)].elementsEqual(marker) }) else { return nil }
        let parts = String(decoding: bytes[(start + marker.count)...], as: UTF8.self).split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let pid = pid_t(parts[0]), pid > 0, UInt64(parts[1], radix: 16) != nil else { return nil }
        return pid
    }

    /// A name unique to the call for a file that will be renamed to `path`
    /// (`PATH.tmp-PID-HEX`), which `temporaryFileWriter` recognises.
    public static func temporaryName(for path: String) -> String {
        path + ".tmp-\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
    }

    /// Replaces `path` with `bytes` so that readers see either the old or the new content:
    /// write a temporary file, `rename` it over the target. With `durable` (the default) the
    /// file is `fsync`-ed before the rename and the directory after, so a crash does too.
    /// The temporary name is unique to the call, so processes writing the same path at once
    /// (two tests filling one SVD cache) each rename a whole file of their own.
    public func writeAtomically(_ path: String, _ bytes: [UInt8], durable: Bool = true) throws {
        let temporary = Self.temporaryName(for: path)
        let file = try open(temporary, .createNew)
        do {
            try file.write(bytes, at: 0)
            if durable { try file.sync() }
            try file.close()
        } catch {
            try? file.close()
            try? remove(temporary)
            throw error
        }
        try rename(temporary, to: path)
        if durable { try syncDirectory(directoryName(of: path)) }
    }
}

/// The directory part of a path (`"."` for a bare name).
public func directoryName(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}
