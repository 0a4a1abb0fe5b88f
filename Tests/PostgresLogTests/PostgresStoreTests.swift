import Dispatch
import EventLog
import Foundation
@testable import PostgresLog
import Synchronization
import SystemIO
import Testing
import TestSupport

/// The PostgreSQL store against a folder store fed the same batches at the same times: the
/// folder is the reference, so the records (bytes, hash chain) must come out identical.
@Suite(.enabled(if: PostgresFixture.enabled, "needs the throwaway PostgreSQL cluster of scripts/test.sh"))
struct PostgresStoreTests {
    static func batch(_ i: Int) -> [EventDraft] {
        (0..<(1 + i % 3)).map { j in EventDraft(type: j == 0 ? "first" : "more", payload: Array("batch \(i) event \(j) ".utf8) + [UInt8](repeating: UInt8(i), count: 50 * j)) }
    }

    static func hashes(_ history: some EventHistory, line: Int) throws -> [String] {
        var hashes: [String] = []
        try history.forEachRecord(line: line) { hashes.append($0.hash.hex) }
        return hashes
    }

    @Test func recordsAreByteForByteThoseOfAFolderStore() throws {
        let both = try BothBackends()
        let (store, writer) = (both.store, both.writer)
        for i in 0..<6 {
            let time = Int64(1_700_000_000_000_000_000) + Int64(i)
            #expect(try store.append(Self.batch(i), timeNanos: time) == writer.append(Self.batch(i), timeNanos: time))
        }
        let reference = try both.reference()
        #expect(try Self.hashes(store, line: 1) == Self.hashes(reference, line: 1))
        #expect(try store.events() == reference.events())
        #expect(try store.head(of: "main") == 12)
    }

    @Test func aBranchForkedAndAppendedMatchesTheFolder() throws {
        let both = try BothBackends()
        let (store, writer) = (both.store, both.writer)
        for i in 0..<4 { try store.append(Self.batch(i), timeNanos: Int64(i)); try writer.append(Self.batch(i), timeNanos: Int64(i)) }
        try store.createBranch("try", from: "main", at: 3)
        try writer.createBranch("try", at: 3)
        try store.append(Self.batch(9), to: "try", timeNanos: 9)
        try writer.append(Self.batch(9), to: "try", timeNanos: 9)
        let reference = try both.reference()
        #expect(try store.events(branch: "try") == reference.events(branch: "try"))
        #expect(try store.events(branch: "main") == reference.events(branch: "main"))
        #expect(try store.lines() == reference.lines())
        #expect(try Self.hashes(store, line: 2) == Self.hashes(reference, line: 2))
        #expect(try store.branches() == reference.branches())
    }

    /// Resets, an append after a reset (a new line), and undo, on both backends: the same
    /// branches, lines, events and reflog (but for its times).
    @Test func resetsAndUndoMatchTheFolder() throws {
        let both = try BothBackends()
        let (store, writer) = (both.store, both.writer)
        let writers: [any HistoryWriter] = [store, writer]
        for i in 0..<4 { for w in writers { try w.append(Self.batch(i), to: "main", expectedHead: nil) } }
        for w in writers { try w.reset("main", to: 3) }
        for w in writers { try w.append(Self.batch(7), to: "main", expectedHead: 3) }
        for w in writers { try w.undoReset("main") }
        for w in writers { #expect { try w.reset("main", to: 2) } throws: { ($0 as? LogError)?.code == .badSequence } }
        let reference = try both.reference()
        #expect(try store.branches() == reference.branches())
        #expect(try store.lines() == reference.lines())
        let untimed = { (events: [Event]) in events.map { "\($0.sequence) \($0.draft)" } }
        #expect(try untimed(store.events(branch: "main")) == untimed(reference.events(branch: "main")))
        let strip = { (entries: [ReflogEntry]) in entries.map { "\($0.branch) \($0.action) \(String(describing: $0.old)) \($0.new) \(String(describing: $0.oldHead)) \($0.newHead) \($0.message)" } }
        #expect(try strip(store.reflog()) == strip(reference.reflog()))
    }

    /// Reading a page at a time gives every overlapping record once, in order, whatever
    /// the page size (here smaller than the range).
    @Test(arguments: [1, 3, 4, 100])
    func pagedReadsGiveEachRecordOnce(page: Int) throws {
        let url = try PostgresFixture.freshDatabase()
        defer { PostgresFixture.drop(url) }
        let store = try PostgresStore.create(url)
        for i in 0..<12 { try store.append(Self.batch(i), to: "main", expectedHead: nil) }  // 1 to 3 events a record
        var all: [ClosedRange<UInt64>] = []
        try store.forEachRecord(line: 1) { all.append($0.firstSequence...$0.lastSequence) }
        var paged: [ClosedRange<UInt64>] = []
        try store.forEachRecord(line: 1, overlapping: 5...20, page: page) { paged.append($0.firstSequence...$0.lastSequence) }
        #expect(paged == all.filter { $0.overlaps(5...20) })
        #expect(try store.events(from: 5, through: 20).map(\.sequence) == Array(5...20))
    }

    @Test func aHeadInsideARecordIsRefusedForABranch() throws {
        let url = try PostgresFixture.freshDatabase()
        defer { PostgresFixture.drop(url) }
        let store = try PostgresStore.create(url)
        try store.append(Self.batch(2), to: "main", expectedHead: nil)  // sequences 1...3 in one record
        #expect { try store.createBranch("half", from: "main", at: 2) } throws: { ($0 as? LogError)?.code == .badSequence }
    }

    @Test func anAppendDecidedOnAnOldHeadIsAConflictAndWritesNothing() throws {
        let url = try PostgresFixture.freshDatabase()
        defer { PostgresFixture.drop(url) }
        let store = try PostgresStore.create(url)
        try store.append(Self.batch(0), to: "main", expectedHead: 0)
        #expect { try store.append(Self.batch(1), to: "main", expectedHead: 0) } throws: { error in
            (error as? LogError)?.code == .conflict && "\(error)".contains("is at 1, not at 0")
        }
        #expect(try store.head(of: "main") == 1)
        #expect(try store.append(Self.batch(1), to: "main", expectedHead: 1) == 2...3)
    }

    /// Workers on their own connections all append on the head they read: each round exactly
    /// one commits, the others get `.conflict`, and the chain stays whole.
    @Test func concurrentAppendsOnOneHeadCommitExactlyOnce() throws {
        let url = try PostgresFixture.freshDatabase()
        defer { PostgresFixture.drop(url) }
        _ = try PostgresStore.create(url)
        let workers = try (0..<4).map { _ in try PostgresStore.open(url) }
        for round in 0..<5 {
            let head = try workers[0].head(of: "main")
            let outcomes = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: workers.count) { w in
                do {
                    try workers[w].append([EventDraft(type: "w\(w)", payload: Array("round \(round)".utf8))], to: "main", expectedHead: head)
                    outcomes.withLock { $0.append("ok") }
                } catch let error as LogError {
                    outcomes.withLock { $0.append(error.code == .conflict ? "conflict" : "\(error)") }
                } catch {
                    outcomes.withLock { $0.append("\(error)") }
                }
            }
            #expect(outcomes.withLock { $0 }.sorted() == ["conflict", "conflict", "conflict", "ok"], "round \(round)")
            #expect(try workers[1].head(of: "main") == head + 1)
        }
        var previous = Hash256.zero
        try workers[2].forEachRecord(line: 1) { record in
            #expect(record.previousHash == previous)
            previous = record.hash
        }
    }

    @Test func blobsAreStoredByContentAndChecked() throws {
        let url = try PostgresFixture.freshDatabase()
        defer { PostgresFixture.drop(url) }
        let store = try PostgresStore.create(url)
        let bytes = [UInt8](repeating: 7, count: 100_000) + Array("end".utf8)
        let hash = try store.putBlob(bytes)
        #expect(try store.putBlob(bytes) == hash)
        #expect(try store.blob(hash) == bytes)
        #expect(try store.blobHashes() == [hash])
        #expect { try store.append([EventDraft(type: "t", payload: [], blobs: [Hash256.of([1])])], to: "main", expectedHead: nil) } throws: {
            ($0 as? LogError)?.code == .blobMissing
        }
    }
}

/// A PostgreSQL store and a folder store made together, for feeding both the same
/// operations; the database and the folder go when the value does.
final class BothBackends {
    let url: String
    let folder: String
    let store: PostgresStore
    let writer: LogWriter

    init() throws {
        url = try PostgresFixture.freshDatabase()
        folder = try FileSystem().makeTemporaryDirectory(prefix: "gesal-pg")
        store = try PostgresStore.create(url)
        writer = try LogWriter.create(at: folder + "/s")
    }

    /// Closes the folder's writer and reads it back: the reference to compare with.
    func reference() throws -> LogStore {
        try writer.close()
        return try LogStore(at: folder + "/s")
    }

    deinit {
        try? store.close()
        PostgresFixture.drop(url)
        try? FileManager.default.removeItem(atPath: folder)
    }
}

/// The folder store's round-trip test, on PostgreSQL: random batches (empty, text and binary
/// payloads) come back as they went in, whole and in order, through any window.
@Suite(.enabled(if: PostgresFixture.enabled, "needs the throwaway PostgreSQL cluster of scripts/test.sh"))
struct PostgresRoundTripTests {
    @Test(arguments: [1, 2, 3] as [UInt64])
    func randomBatchesRoundTrip(seed: UInt64) throws {
        let url = try PostgresFixture.freshDatabase()
        defer { PostgresFixture.drop(url) }
        var rng = SeededRandom(seed: seed)
        let store = try PostgresStore.create(url)
        var expected: [EventDraft] = []
        for _ in 0..<40 {
            let batch = randomBatch(&rng)
            let range = try store.append(batch, to: "main", expectedHead: UInt64(expected.count))
            #expect(range == UInt64(expected.count + 1)...UInt64(expected.count + batch.count))
            expected += batch
        }
        let reader = try PostgresStore.open(url)
        #expect(try reader.events().map(\.draft) == expected)
        for _ in 0..<10 {
            let from = UInt64.random(in: 1...UInt64(expected.count), using: &rng)
            let through = UInt64.random(in: from...UInt64(expected.count), using: &rng)
            #expect(try reader.events(from: from, through: through).map(\.draft) == Array(expected[Int(from - 1)..<Int(through)]))
        }
        #expect(ChainVerifier.verify(reader).ok)
    }
}
