import EventLog
import Foundation
import GESAL
import Testing
import TestSupport

/// `replay --reexecute` is the one check that can tell a learning step's recorded adapter
/// from the one the step makes: here a forger swaps the adapter blob for a nearby one, stores
/// it under its own hash and recomputes the chain, so the checksums, links, blobs and fold all
/// hold, and only re-execution says no.
@Suite(.serialized, .enabled(if: RealModels.available, RealModels.missing)) struct TamperedReexecutionCLITests {
    @Test func aRewrittenAdapterBlobFailsReexecutionNamingTheStep() throws {
        let scratch = ScratchFolder()
        let store = ["--store", scratch.path + "/s"]
        let root = EngineCLITests.root
        #expect(try CommandRunner.run("gesal", ["init", "--max-tokens", "8"] + store, cwd: root).status == 0)
        #expect(try CommandRunner.run("gesal", ["ask", "What is 12 + 7? Answer with a number."] + store, cwd: root).status == 0)
        let feedback = try CommandRunner.run("gesal", ["feedback", "1", "-"] + store, cwd: root)
        #expect(feedback.status == 0 && feedback.stdout.contains("node 1 learned"), "\(feedback.stdout)\(feedback.stderr)")

        let log = try LogStore(at: scratch.path + "/s")
        let event = try #require(try log.events().first { $0.type == AdapterUpdated.typeName })
        guard case .adapterUpdated(var update) = try DomainEvent(event) else { Issue.record("not an AdapterUpdated"); return }
        var bytes = try log.blobs.get(hex: update.adapterBlob)
        bytes[bytes.count - 1] ^= 1  // the lowest mantissa bit of the last value
        let writer = try LogWriter(at: scratch.path + "/s")
        update.adapterBlob = try writer.putBlob(bytes).hex
        try writer.close()
        try HistoryRewriter.replace(store: scratch.path + "/s", sequence: event.sequence) { _ in try! DomainEvent.adapterUpdated(update).draft() }

        let verify = try CommandRunner.run("gesal-log", ["verify", "--domain"] + store)
        #expect(verify.status == 0, "every checksum, link, blob and the fold hold, so only re-execution can tell: \(verify.stdout)")
        let replay = try CommandRunner.run("gesal-log", ["replay", "--reexecute"] + store, cwd: root)
        #expect(replay.status == 1)
        #expect(replay.stdout.contains("mismatch: event \(event.sequence) ("), "\(replay.stdout)\(replay.stderr)")
    }
}
