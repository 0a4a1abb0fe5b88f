import Foundation
import Glibc
import SystemIO
import Testing
@testable import EventLog

/// A writer killed between writing a temporary file and renaming it leaves the file behind;
/// the next writer removes it if its process is gone, and leaves a live process's alone.
@Suite struct StaleTemporaryFileTests {
    /// The pid of a process that has exited (and been reaped).
    private func deadPID() throws -> pid_t {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    @Test func theNextWriterRemovesADeadWritersTemporaryFilesAndSaysSo() throws {
        let dir = TemporaryDirectory()
        let writer = try LogWriter.create(at: dir.sub("s"))
        let blob = try writer.putBlob(Array("weights".utf8))
        try writer.close()
        let dead = try deadPID()
        let layout = StoreLayout(root: dir.sub("s"))
        let stale = [layout.refs + ".tmp-\(dead)-1f", layout.blob(blob) + ".tmp-\(dead)-abc", layout.lineInfo(1) + ".tmp-\(dead)-0"]
        let live = layout.refs + ".tmp-\(getppid())-2e"
        for path in stale + [live] { writeFile(path, [1, 2, 3]) }

        let reopened = try LogWriter(at: dir.sub("s"))
        defer { try? reopened.close() }
        #expect(stale.allSatisfy { !FileManager.default.fileExists(atPath: $0) })
        #expect(FileManager.default.fileExists(atPath: live), "a live process may still rename it")
        #expect(Set(reopened.recovered.map(\.path)) == Set(stale))
        #expect(reopened.recovered.allSatisfy { $0.reason.contains("writer pid \(dead), which is gone") })
        #expect(try reopened.store.blobs.get(blob) == Array("weights".utf8))
    }

    @Test(arguments: [("refs.json.tmp-123-ab", 123 as pid_t?), ("x.tmp-1-0", 1), ("refs.json", nil), ("a.tmp-12", nil), ("a.tmp--3-ff", nil),
                      ("a.tmp-7-zz", nil), ("a.tmp-7-ff-1", nil), ("a.tmp-1.tmp-9-a", 9)])
    func onlyTheTemporaryNamesWriteAtomicallyMakesNameAWriter(name: String, pid: pid_t?) {
        #expect(FileSystem.temporaryFileWriter(name) == pid)
    }
}
