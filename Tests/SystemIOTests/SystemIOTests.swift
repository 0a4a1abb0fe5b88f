import Foundation
import Glibc
import SystemIO
import Testing

@Suite struct SystemIOTests {
    @Test func writeReadSizeAndTruncate() throws {
        let folder = try FileSystem().makeTemporaryDirectory(prefix: "gesal-io")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let file = try FileDescriptor.open(folder + "/f", .createNew)
        try file.write(Array("hello world".utf8), at: 0)
        try file.write(Array("HELLO".utf8), at: 0)
        try file.syncData()
        #expect(try file.size() == 11)
        #expect(try file.read(at: 6, count: 100) == Array("world".utf8))
        try file.truncate(to: 5)
        #expect(try file.readAll() == Array("HELLO".utf8))
        try file.close()
    }

    /// procfs reports size 0 for files that have content; `gesal-bench memory` reads its
    /// resident set from one.
    @Test func readAllReadsAProcfsFileThatReportsSizeZero() throws {
        let file = try FileDescriptor.open("/proc/self/status", .readOnly)
        defer { try? file.close() }
        #expect(try file.size() == 0)
        let text = String(decoding: try file.readAll(), as: UTF8.self)
        #expect(text.hasPrefix("Name:") && text.contains("\nVmRSS:"))
    }

    @Test func temporaryDirectoriesAreNewAndAFailureNamesTheParent() throws {
        let system = FileSystem()
        let a = try system.makeTemporaryDirectory(prefix: "gesal-io"), b = try system.makeTemporaryDirectory(prefix: "gesal-io")
        defer { for folder in [a, b] { try? FileManager.default.removeItem(atPath: folder) } }
        #expect(try a != b && a.hasPrefix("/tmp/gesal-io-") && system.isDirectory(a) && system.list(a).isEmpty)
        #expect { _ = try system.makeTemporaryDirectory(in: a + "/missing", prefix: "x") } throws: { error in
            (error as? SystemError).map { $0.operation == "mkdtemp" && $0.path == a + "/missing" && $0.code == ENOENT } ?? false
        }
    }

    @Test func errorsNameTheCallThePathAndTheErrno() throws {
        let folder = try FileSystem().makeTemporaryDirectory(prefix: "gesal-io")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect {
            _ = try FileDescriptor.open(folder + "/missing/f", .readOnly)
        } throws: { error in
            guard let error = error as? SystemError else { return false }
            return error.code == ENOENT && error.operation == "open" && error.description.contains(folder + "/missing/f")
                && error.description.contains("No such file")
        }
        _ = try FileDescriptor.open(folder + "/f", .createNew)
        #expect(throws: SystemError.self) { _ = try FileDescriptor.open(folder + "/f", .createNew) }
    }

    @Test func atomicReplaceLeavesOnlyTheNewContent() throws {
        let folder = try FileSystem().makeTemporaryDirectory(prefix: "gesal-io")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let fs = FileSystem()
        try fs.writeAtomically(folder + "/x.json", Array("old".utf8))
        try fs.writeAtomically(folder + "/x.json", Array("new".utf8))
        #expect(try fs.read(folder + "/x.json") == Array("new".utf8))
        #expect(try fs.list(folder) == ["x.json"])
    }

    @Test func anExclusiveLockExcludesASecondHolder() throws {
        let folder = try FileSystem().makeTemporaryDirectory(prefix: "gesal-io")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let first = try FileDescriptor.open(folder + "/LOCK", .readWrite)
        let second = try FileDescriptor.open(folder + "/LOCK", .readWrite)
        #expect(try first.tryLock(exclusive: true))
        #expect(try second.tryLock(exclusive: false) == false)
        try first.close()
        #expect(try second.tryLock(exclusive: true))
        try second.close()
    }

    @Test func theSeamCarriesInjectedErrors() throws {
        var calls = Syscalls.live
        calls.fdatasync = { _ in errno = EIO; return -1 }
        let folder = try FileSystem().makeTemporaryDirectory(prefix: "gesal-io")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let file = try FileDescriptor.open(folder + "/f", .createNew, syscalls: calls)
        #expect {
            try file.syncData()
        } throws: { ($0 as? SystemError)?.code == EIO && "\($0)".contains("fdatasync failed on \(folder)/f") }
        try file.close()
    }
}
