import Foundation

/// What a disk may hold after the power fails, built from a `WriteRecorder`'s changes.
///
/// The model is the one SQLite's crash VFS (test6.c) and ALICE use, at the level of POSIX:
/// a write is durable once its file is `fsync`-ed or `fdatasync`-ed; a name (a create, a
/// rename, an unlink, a `mkdir`) is durable once its directory is `fsync`-ed. Anything not yet
/// durable at the crash may be lost, kept, or (for writes) torn: each sector of the write
/// (512 B or 4 KiB, aligned in the file) kept or lost on its own. Keeping or losing each
/// pending change on its own also covers reordering: a later write kept over an earlier lost
/// one is the later write landing first.
public struct PowerLoss: Sendable {
    /// What happens to the changes that were not durable at the crash.
    public struct Fate: Sendable {
        /// The chance that a pending write lands whole, and that it lands torn (the rest: lost).
        public var keepWrite: Double
        public var tearWrite: Double
        /// The chance that a pending name change (or truncation) lands.
        public var keepName: Double
        /// The sector size a torn write tears at.
        public var sector: Int

        public init(keepWrite: Double, tearWrite: Double, keepName: Double, sector: Int) {
            self.keepWrite = keepWrite
            self.tearWrite = tearWrite
            self.keepName = keepName
            self.sector = sector
        }

        /// A fate drawn at random: sometimes everything pending is lost or kept, usually a mix.
        public static func random(using random: inout some RandomNumberGenerator) -> Fate {
            let extremes: [(Double, Double, Double)] = [(0, 0, 0), (1, 0, 1), (0, 1, 0.5)]
            let sector = Bool.random(using: &random) ? 512 : 4096
            if Int.random(in: 0..<4, using: &random) == 0, let pick = extremes.randomElement(using: &random) {
                return Fate(keepWrite: pick.0, tearWrite: pick.1, keepName: pick.2, sector: sector)
            }
            let keep = Double.random(in: 0...1, using: &random)
            return Fate(keepWrite: keep, tearWrite: Double.random(in: 0...(1 - keep), using: &random),
                        keepName: Double.random(in: 0...1, using: &random), sector: sector)
        }
    }

    /// A file or directory as the disk holds it.
    public enum Entry: Sendable, Equatable {
        case directory
        case file([UInt8])
    }

    private enum DataChange {
        case write(offset: Int, bytes: [UInt8])
        case truncate(Int)
    }

    private enum NameChange {
        case create(String, Int)
        case rename(String, String)
        case unlink(String)
    }

    private struct Inode {
        var directory: Bool
        var durable: [UInt8] = []
        var pending: [DataChange] = []
    }

    private let root: String
    private var inodes: [Int: Inode] = [0: Inode(directory: true)]
    private var durableNames: [String: Int]
    /// The names as the process saw them, to find a directory's path when it is synced.
    private var liveNames: [String: Int]
    /// Pending name changes, by the directory they change.
    private var pendingNames: [String: [NameChange]] = [:]

    /// The state after the first `count` of `operations`, recorded under `root`.
    public init(root: String, operations: ArraySlice<WriteOperation>) {
        self.root = root
        durableNames = [root: 0]
        liveNames = [root: 0]
        for operation in operations { apply(operation) }
    }

    private mutating func apply(_ operation: WriteOperation) {
        switch operation {
        case .create(let path, let inode, let directory):
            inodes[inode] = Inode(directory: directory)
            liveNames[path] = inode
            pendingNames[Self.parent(of: path), default: []].append(.create(path, inode))
        case .write(let inode, let offset, let bytes):
            inodes[inode]?.pending.append(.write(offset: offset, bytes: bytes))
        case .truncate(let inode, let length):
            inodes[inode]?.pending.append(.truncate(length))
        case .sync(let inode):
            guard let node = inodes[inode] else { return }
            if node.directory {
                for (path, id) in liveNames where id == inode {
                    for change in pendingNames.removeValue(forKey: path) ?? [] { Self.apply(change, to: &durableNames) }
                }
            } else {
                for change in node.pending { Self.apply(change, to: &inodes[inode]!.durable) }
                inodes[inode]!.pending = []
            }
        case .rename(let from, let to):
            if let inode = liveNames.removeValue(forKey: from) { liveNames[to] = inode }
            pendingNames[Self.parent(of: to), default: []].append(.rename(from, to))
        case .unlink(let path):
            liveNames.removeValue(forKey: path)
            pendingNames[Self.parent(of: path), default: []].append(.unlink(path))
        }
    }

    /// The disk after the power fails now: each pending change kept, torn or lost by `fate`.
    /// Paths are relative to the root ("" is the root); those whose directory did not survive
    /// are gone with it.
    public func crash(_ fate: Fate, using random: inout some RandomNumberGenerator) -> [String: Entry] {
        var names = durableNames
        for directory in pendingNames.keys.sorted() {
            for change in pendingNames[directory]! where Double.random(in: 0..<1, using: &random) < fate.keepName {
                Self.apply(change, to: &names)
            }
        }
        var contents: [Int: [UInt8]] = [:]
        for (id, inode) in inodes.sorted(by: { $0.key < $1.key }) where !inode.directory {
            var bytes = inode.durable
            for change in inode.pending {
                switch change {
                case .truncate:
                    if Double.random(in: 0..<1, using: &random) < fate.keepName { Self.apply(change, to: &bytes) }
                case .write(let offset, let data):
                    let roll = Double.random(in: 0..<1, using: &random)
                    if roll < fate.keepWrite {
                        Self.apply(change, to: &bytes)
                    } else if roll < fate.keepWrite + fate.tearWrite {
                        for piece in Self.sectorPieces(offset: offset, count: data.count, size: fate.sector) where Bool.random(using: &random) {
                            Self.apply(.write(offset: offset + piece.lowerBound, bytes: Array(data[piece])), to: &bytes)
                        }
                    }
                }
            }
            contents[id] = bytes
        }
        var image: [String: Entry] = ["": .directory]
        for (path, id) in names.sorted(by: { $0.key.count < $1.key.count }) where path.hasPrefix(root + "/") {
            let relative = String(path.dropFirst(root.count + 1))
            let parent = relative.contains("/") ? Self.parent(of: relative) : ""
            guard image[parent] == .directory else { continue }
            image[relative] = inodes[id]?.directory == true ? .directory : .file(contents[id] ?? [])
        }
        return image
    }

    /// Writes `image` as a fresh directory tree at `directory`, which must not exist yet.
    public static func materialize(_ image: [String: Entry], at directory: String, syscalls: Syscalls = .live) throws {
        let fs = FileSystem(syscalls: syscalls)
        for (relative, entry) in image.sorted(by: { $0.key.count < $1.key.count }) {
            let path = relative.isEmpty ? directory : directory + "/" + relative
            switch entry {
            case .directory: try fs.createDirectory(path)
            case .file(let bytes):
                let file = try fs.open(path, .createNew)
                defer { try? file.close() }
                if !bytes.isEmpty { try file.write(bytes, at: 0) }
            }
        }
    }

    /// The pieces of a write of `count` bytes at `offset` that fall in one sector each, as
    /// ranges within the write.
    public static func sectorPieces(offset: Int, count: Int, size: Int) -> [Range<Int>] {
        var pieces: [Range<Int>] = []
        var start = 0
        while start < count {
            let end = min(count, (offset + start) / size * size + size - offset)
            pieces.append(start..<end)
            start = end
        }
        return pieces
    }

    private static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    private static func apply(_ change: DataChange, to bytes: inout [UInt8]) {
        switch change {
        case .write(let offset, let data):
            if bytes.count < offset + data.count { bytes += [UInt8](repeating: 0, count: offset + data.count - bytes.count) }
            bytes.replaceSubrange(offset..<(offset + data.count), with: data)
        case .truncate(let length):
            if length < bytes.count { bytes.removeLast(bytes.count - length) } else { bytes += [UInt8](repeating: 0, count: length - bytes.count) }
        }
    }

    private static func apply(_ change: NameChange, to names: inout [String: Int]) {
        switch change {
        case .create(let path, let inode): names[path] = inode
        case .rename(let from, let to): if let inode = names.removeValue(forKey: from) { names[to] = inode }
        case .unlink(let path): names.removeValue(forKey: path)
        }
    }
}
