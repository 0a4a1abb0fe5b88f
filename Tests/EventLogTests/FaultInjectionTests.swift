import Foundation
import Glibc
import Synchronization
import SystemIO
import Testing
@testable import EventLog

/// Faults to inject, consumed as the matching calls happen. Thread-safe.
final class FaultPlan: Sendable {
    enum Fault: Sendable {
        case fail(errno: Int32)
        /// Write only this many bytes and report success (the caller must loop or notice).
        case shortWrite(bytes: Int)
    }

    private let queue = Mutex<[String: [Fault]]>([:])

    func inject(_ operation: String, _ faults: Fault...) {
        queue.withLock { $0[operation, default: []] += faults }
    }

    func clear() { queue.withLock { $0 = [:] } }

    fileprivate func next(_ operation: String) -> Fault? {
        queue.withLock { queue in
            guard var faults = queue[operation], !faults.isEmpty else { return nil }
            let fault = faults.removeFirst()
            queue[operation] = faults
            return fault
        }
    }

    /// The live syscalls, with this plan's faults in front of pwrite, fdatasync, ftruncate and open.
    var syscalls: Syscalls {
        var calls = Syscalls.live
        let live = Syscalls.live
        calls.pwrite = { [self] fd, buffer, count, offset in
            switch next("pwrite") {
            case .fail(let code)?: errno = code; return -1
            case .shortWrite(let bytes)?: return live.pwrite(fd, buffer, min(bytes, count), offset)
            case nil: return live.pwrite(fd, buffer, count, offset)
            }
        }
        calls.fdatasync = { [self] fd in
            if case .fail(let code)? = next("fdatasync") { errno = code; return -1 }
            return live.fdatasync(fd)
        }
        calls.ftruncate = { [self] fd, length in
            if case .fail(let code)? = next("ftruncate") { errno = code; return -1 }
            return live.ftruncate(fd, length)
        }
        calls.open = { [self] path, flags, mode in
            if case .fail(let code)? = next("open") { errno = code; return -1 }
            return live.open(path, flags, mode)
        }
        return calls
    }
}

@Suite struct FaultInjectionTests {
    /// Runs `inject`, expects the next append to fail with an error mentioning `expected` and the
    /// segment, then checks that nothing of it is visible and that appends work again.
    private func check(_ name: String, expected: String, inject: (FaultPlan) -> Void) throws {
        let folder = TemporaryDirectory()
        let plan = FaultPlan()
        let writer = try LogWriter.create(at: folder.sub("s"), options: StoreOptions(durability: .always), syscalls: plan.syscalls)
        try writer.append([EventDraft(type: "before", payload: Array("acknowledged".utf8))])
        let segment = firstSegment(folder.sub("s"))

        inject(plan)
        #expect {
            try writer.append([EventDraft(type: "faulty", payload: Array(repeating: 7, count: 500))])
        } throws: { error in
            let text = "\(error)"
            return (error as? LogError)?.code == .io && text.contains(expected) && text.contains("00000000000000000001.seg")
        }
        #expect(try writer.store.events().map(\.type) == ["before"], "\(name): the failed append is not visible")

        plan.clear()
        let range = try writer.append([EventDraft(type: "after", payload: [1])])
        #expect(range == 2...2, "\(name): the failed batch used no sequence number")
        try writer.close()

        let store = try LogStore(at: folder.sub("s"))
        #expect(try store.events().map(\.type) == ["before", "after"])
        #expect(StoreVerifier.verify(store).ok, "\(name)")
        #expect(endsAtLastRecord(segment), "\(name): the closed segment ends with its last record")
    }

    @Test func noSpaceOnWrite() throws {
        try check("ENOSPC", expected: "No space left on device") { $0.inject("pwrite", .fail(errno: ENOSPC)) }
    }

    @Test func shortWriteThenIOError() throws {
        try check("short write + EIO", expected: "Input/output error") {
            $0.inject("pwrite", .shortWrite(bytes: 100), .fail(errno: EIO))
        }
    }

    @Test func fsyncFailure() throws {
        try check("fdatasync EIO", expected: "fdatasync failed") { $0.inject("fdatasync", .fail(errno: EIO)) }
    }

    @Test func writeAndRollbackBothFail() throws {
        // The partial record cannot be cut at once; it is cut before the next write instead.
        try check("pwrite + ftruncate", expected: "Input/output error") {
            $0.inject("pwrite", .shortWrite(bytes: 60), .fail(errno: EIO))
            $0.inject("ftruncate", .fail(errno: EIO))
        }
    }

    @Test func shortWritesAloneAreCompletedNotReported() throws {
        let folder = TemporaryDirectory()
        let plan = FaultPlan()
        let writer = try LogWriter.create(at: folder.sub("s"), syscalls: plan.syscalls)
        plan.inject("pwrite", .shortWrite(bytes: 3), .shortWrite(bytes: 5))
        try writer.append([EventDraft(type: "a", payload: Array(repeating: 1, count: 200))])
        try writer.close()
        #expect(try LogStore(at: folder.sub("s")).events().count == 1)
    }

    @Test func failureWhileStartingANewSegment() throws {
        let folder = TemporaryDirectory()
        let plan = FaultPlan()
        let writer = try LogWriter.create(at: folder.sub("s"), options: StoreOptions(durability: .always, segmentBytes: 4096), syscalls: plan.syscalls)
        var count = 0
        while count < 20 {  // fill the first segment
            try writer.append([EventDraft(type: "fill", payload: Array(repeating: UInt8(count), count: 300))])
            count += 1
        }
        let lines = folder.sub("s") + "/lines/000001"
        let segmentsBefore = try FileManager.default.contentsOfDirectory(atPath: lines).filter { $0.hasSuffix(".seg") }.count
        plan.inject("pwrite", .fail(errno: ENOSPC))
        // Either the roll or the record write meets the fault; neither leaves a trace.
        var failures = 0
        for _ in 0..<30 {
            do {
                try writer.append([EventDraft(type: "more", payload: Array(repeating: 9, count: 300))])
                count += 1
            } catch {
                #expect(error.code == .io)
                failures += 1
            }
        }
        #expect(failures == 1)
        try writer.close()
        let store = try LogStore(at: folder.sub("s"))
        #expect(try store.events().count == count)
        #expect(StoreVerifier.verify(store).ok)
        #expect(try FileManager.default.contentsOfDirectory(atPath: lines).filter { $0.hasSuffix(".seg") }.count > segmentsBefore)
    }
}
