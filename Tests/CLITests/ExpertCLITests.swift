import EventLog
import Foundation
import GESAL
import Testing
import TestSupport

/// `gesal expert` end to end: a tiny expert trained on the real model through the command line,
/// listed, shown, audited and re-executed; then retired. And the clumsy requests, each refused
/// with one line before any model loads, the store unchanged.
@Suite(.serialized) struct ExpertCLITests {
    static let root = EngineCLITests.root

    @Test func anExpertThroughTheCommandLines() throws {
        let scratch = ScratchFolder()
        let store = ["--store", scratch.path + "/s"]
        let train = try CommandRunner.run("gesal", ["expert", "train", "adder", "--task", "arithmetic", "--items", "20", "--steps", "2", "--batch", "2",
                                                    "--validate-every", "1", "--max-tokens", "4", "--weights", "float32"] + store, cwd: Self.root)
        #expect(train.status == 0 && train.stdout.contains("step 2\tvalidation accuracy") && train.stdout.contains("kept step"), "\(train.stdout) \(train.stderr)")

        let list = try CommandRunner.run("gesal", ["expert", "list"] + store)
        #expect(list.status == 0 && list.stdout.contains("adder\ttask arithmetic\t"), "\(list.stdout) \(list.stderr)")
        let show = try CommandRunner.run("gesal", ["expert", "show", "adder"] + store)
        #expect(show.stdout.contains("objective baseline+reference, transformerSquared SVF") && show.stdout.split(separator: "\n").filter { $0.hasSuffix("\tkept") }.count == 1,
                "\(show.stdout)")

        let audit = try CommandRunner.run("gesal-log", ["audit", "expert", "adder"] + store)
        #expect(audit.status == 0 && audit.stdout.contains("expert adder trained on arithmetic") && audit.stdout.contains("2 steps of 2 prompts")
                && audit.stdout.contains("at step 2"), "\(audit.stdout) \(audit.stderr)")
        let adapter = try #require(show.stdout.split(separator: "\n").first { $0.hasSuffix("\tkept") }?.split(separator: "\t")[3])
        let byAdapter = try CommandRunner.run("gesal-log", ["audit", "adapter", String(adapter)] + store)
        #expect(byAdapter.stdout.contains("expert adder trained on arithmetic"), "\(byAdapter.stdout) \(byAdapter.stderr)")

        let replay = try CommandRunner.run("gesal-log", ["replay", "--reexecute"] + store, cwd: Self.root)
        #expect(EngineCLITests.value("expert_trainings", in: replay.stdout) == "1" && EngineCLITests.value("reproduced", in: replay.stdout) == "1",
                "\(replay.stdout) \(replay.stderr)")

        let retire = try CommandRunner.run("gesal", ["expert", "retire", "adder", "--reason", "a test"] + store, cwd: Self.root)
        #expect(retire.status == 0, "\(retire.stderr)")
        #expect(try CommandRunner.run("gesal", ["expert", "list"] + store).stdout.contains("no active experts"))
        #expect(try CommandRunner.run("gesal", ["expert", "list", "--all"] + store).stdout.contains("\tretired"))
        let again = try CommandRunner.run("gesal", ["expert", "train", "adder", "--task", "arithmetic"] + store, cwd: Self.root)
        #expect(again.status != 0 && again.stderr.contains("was retired; names are not reused"), "\(again.stderr)")
    }

    /// A forger swaps the kept checkpoint's blob for a nearby one, stores it under its own hash
    /// and rewrites the event and the chain: checksums, links, blobs and the fold all hold, and
    /// only re-execution says no, naming the expert's event.
    @Test func aRewrittenExpertFailsReexecutionNamingItsEvent() throws {
        let scratch = ScratchFolder()
        let path = scratch.path + "/s"
        let store = ["--store", path]
        let train = try CommandRunner.run("gesal", ["expert", "train", "adder", "--task", "arithmetic", "--items", "20", "--steps", "1", "--batch", "2",
                                                    "--validate-every", "1", "--max-tokens", "4", "--weights", "float32"] + store, cwd: Self.root)
        try #require(train.status == 0, "\(train.stderr)")
        let log = try LogStore(at: path)
        let event = try #require(try log.events().first { $0.type == ExpertTrained.typeName })
        guard case .expertTrained(var trained) = try DomainEvent(event) else { Issue.record("not an ExpertTrained"); return }
        var bytes = try log.blobs.get(hex: trained.adapter)
        bytes[bytes.count - 1] ^= 1  // the lowest mantissa bit of the last value
        let writer = try LogWriter(at: path)
        trained.curve[trained.kept].adapter = try writer.putBlob(bytes).hex
        try writer.close()
        try HistoryRewriter.replace(store: path, sequence: event.sequence) { _ in try! DomainEvent.expertTrained(trained).draft() }

        let verify = try CommandRunner.run("gesal-log", ["verify", "--domain"] + store)
        #expect(verify.status == 0, "every checksum, link, blob and the fold hold: \(verify.stdout) \(verify.stderr)")
        let replay = try CommandRunner.run("gesal-log", ["replay", "--reexecute"] + store, cwd: Self.root)
        #expect(replay.status == 1 && replay.stdout.contains("mismatch: event \(event.sequence) (expert adder)"), "\(replay.stdout)\(replay.stderr)")
    }

    /// Usage errors and unknown names: refused with the reason, exit non-zero, nothing written.
    @Test(arguments: [
        (["expert", "train", "x", "--task", "calculus"], "--task is one of"),
        (["expert", "train", "has space", "--task", "arithmetic"], "may hold only letters"),
        (["expert", "train", "x", "--task", "arithmetic", "--steps", "0"], "--steps is 0"),
        (["expert", "train", "x", "--task", "arithmetic", "--objective", "magic"], "--objective is"),
        (["expert", "show", "nobody"], "no expert 'nobody'"),
        (["expert", "retire", "nobody"], "no expert 'nobody'"),
        (["expert", "promote", "--node", "7", "--name", "n"], "no node 7"),
    ])
    func aClumsyRequestIsRefusedAndChangesNothing(arguments: [String], says: String) throws {
        let scratch = ScratchFolder()
        let store = scratch.path + "/s"
        let imported = try CommandRunner.run("gesal-log", ["import", "--store", store, "-"], input: HostileInputCLITests.history)
        try #require(imported.status == 0, "\(imported.stderr)")
        let before = HostileInputCLITests.files(store)
        let result = try CommandRunner.run("gesal", arguments + ["--store", store], cwd: Self.root)
        #expect(result.status != 0 && result.stderr.contains(says), "\(result.stderr)")
        #expect(HostileInputCLITests.files(store) == before)
    }
}
