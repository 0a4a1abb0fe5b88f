import Foundation
import Testing
@testable import EventLog

/// A walk through a target on a line that runs to its files' end does not read the head
/// first: it checks that it reached the target. What it returns and refuses must stay what
/// reading the head first gave.
@Suite struct TargetedWalkTests {
    private func note(_ text: String) -> EventDraft { EventDraft(type: "Note", payload: Array(text.utf8)) }

    /// `main`: 10 one-event records; `exp`: forked at 6, with 2 more.
    private func makeStore(_ path: String) throws -> (main: [EventDraft], exp: [EventDraft]) {
        let writer = try LogWriter.create(at: path, options: StoreOptions(durability: .none))
        let main = (1...10).map { note("main \($0)") }
        for event in main { try writer.append([event]) }
        try writer.createBranch("exp", from: "main", at: 6)
        let exp = [note("exp 1"), note("exp 2")]
        for event in exp { try writer.append([event], to: "exp") }
        try writer.close()
        return (main, exp)
    }

    private func pastTheHead(_ walk: () throws -> Void) -> String? {
        do {
            try walk()
            return nil
        } catch let error as LogError {
            return error.code == .badSequence ? error.message : "\(error.code): \(error.message)"
        } catch {
            return "\(error)"
        }
    }

    @Test func aWalkThroughTheHeadOrBeforeItReadsWhatItShould() throws {
        let folder = TemporaryDirectory()
        let (main, exp) = try makeStore(folder.sub("s"))
        let store = try LogStore(at: folder.sub("s"))
        #expect(try store.events(through: 10).map(\.draft) == main)
        #expect(try store.events(from: 4, through: 7).map(\.draft) == Array(main[3..<7]))
        #expect(try store.events(branch: "exp", through: 8).map(\.draft) == Array(main[0..<6]) + exp)
        #expect(try store.events(branch: "exp", through: 5).map(\.draft) == Array(main[0..<5]))
    }

    @Test(arguments: [(UInt64(1), UInt64(11)), (11, 12), (10, 400)])
    func aTargetPastTheHeadIsRefusedNamingTheHead(from: UInt64, through: UInt64) throws {
        let folder = TemporaryDirectory()
        _ = try makeStore(folder.sub("s"))
        let store = try LogStore(at: folder.sub("s"))
        #expect(pastTheHead { _ = try store.events(from: from, through: through) } == "sequence \(through) is past the head of 'main' (10)")
        #expect(pastTheHead { _ = try store.events(branch: "exp", through: 9) } == "sequence 9 is past the head of 'exp' (8)")
    }

    /// A torn tail may be an append in flight: the head is the last whole record, as
    /// `head(of:)` reads it, and a target past it is refused as past the head.
    @Test func aTornTailIsNotPartOfTheHead() throws {
        let folder = TemporaryDirectory()
        let path = folder.sub("s")
        let (main, _) = try makeStore(path)
        let segment = firstSegment(path)
        let whole = fileBytes(segment)
        // Record 11 appended, then cut to its first half: an append that never finished.
        let reopened = try LogWriter(at: path)
        try reopened.append([note("main 11")])
        try reopened.close()
        let longer = fileBytes(segment)
        try #require(longer.count > whole.count && Array(longer[0..<whole.count]) == whole)
        writeFile(segment, Array(longer[0..<(whole.count + (longer.count - whole.count) / 2)]))

        let store = try LogStore(at: path)
        #expect(try store.head(of: "main") == 10)
        #expect(try store.events(through: 10).map(\.draft) == main)
        #expect(pastTheHead { _ = try store.events(through: 11) } == "sequence 11 is past the head of 'main' (10)")
    }
}
