import Foundation
import Testing

/// The engine through its command lines, on the real model: ask, feedback, chat, replay,
/// audit, snapshot, reindex, rollback, diff, and their errors.
@Suite(.serialized) struct EngineCLITests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static func value(_ name: String, in text: String) -> String? {
        text.split(separator: "\n").first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
    }

    /// A store made without --weights merges SVF from 16-bit integer factors into Q8_0
    /// (blocks-svf-int16): Q5_0 merges lost control answers to rounding alone, and the integer
    /// merge is twice as fast as the Float32 one (docs/architecture.md, departures 40 and 43).
    @Test func aNewStoreMergesSVFIntoQ8ByDefault() throws {
        let scratch = ScratchFolder()
        let store = ["--store", scratch.path + "/s"]
        let initResult = try CommandRunner.run("gesal", ["init"] + store, cwd: Self.root)
        #expect(initResult.status == 0, "\(initResult.stderr)")
        let log = try CommandRunner.run("gesal-log", ["log", "--json"] + store)
        #expect(log.status == 0 && log.stdout.contains("StoreCreated"), "\(log.stdout) \(log.stderr)")
        #expect(log.stdout.contains("blocks-svf-int16") && !log.stdout.contains("blocks-svf-q5"), "\(log.stdout)")
    }

    @Test func aSessionThroughTheCommandLines() throws {
        let scratch = ScratchFolder()
        let store = ["--store", scratch.path + "/s"]
        let initResult = try CommandRunner.run("gesal", ["init", "--max-tokens", "8"] + store, cwd: Self.root)
        #expect(initResult.status == 0, "\(initResult.stderr)")
        let ask = try CommandRunner.run("gesal", ["ask", "What is 12 + 7? Answer with a number."] + store, cwd: Self.root)
        #expect(ask.status == 0 && ask.stderr.contains("[interaction 1 · new node 1 · base model]"), "\(ask.stderr)")
        let feedback = try CommandRunner.run("gesal", ["feedback", "1", "-"] + store, cwd: Self.root)
        #expect(feedback.status == 0 && feedback.stdout.contains("node 1 learned: adapter v1"), "\(feedback.stdout) \(feedback.stderr)")
        let chat = try CommandRunner.run("gesal", ["chat"] + store, input: "+\nWhat is 12 + 7? Answer with a number.\n+\n/quit\n", cwd: Self.root)
        #expect(chat.status == 0 && chat.stderr.contains("nothing to rate yet") && chat.stderr.contains("node 1 learned"), "\(chat.stderr)")

        let snapshot = try CommandRunner.run("gesal-log", ["snapshot"] + store)
        #expect(snapshot.status == 0, "\(snapshot.stderr)")
        let fromSnapshot = try CommandRunner.run("gesal-log", ["replay"] + store)
        let fromZero = try CommandRunner.run("gesal-log", ["replay", "--no-snapshots", "--reexecute"] + store, cwd: Self.root)
        #expect(Self.value("from_snapshot", in: fromSnapshot.stdout) != "none")
        let snapshotHash = try #require(Self.value("state_hash", in: fromSnapshot.stdout), "\(fromSnapshot.stdout)")
        #expect(snapshotHash == Self.value("state_hash", in: fromZero.stdout))
        #expect(Self.value("learning_steps", in: fromZero.stdout) == "2" && Self.value("reproduced", in: fromZero.stdout) == "2", "\(fromZero.stdout)")

        let audit = try CommandRunner.run("gesal-log", ["audit", "node", "1"] + store)
        #expect(audit.stdout.contains("node 1 created by interaction 1") && audit.stdout.split(separator: "\n").filter { $0.contains("AdapterUpdated") }.count == 2)
        let reindex = try CommandRunner.run("gesal-log", ["reindex"] + store)
        #expect(reindex.status == 0 && reindex.stdout.contains("2 interactions, 2 feedback"), "\(reindex.stdout) \(reindex.stderr)")

        // Exclude the first feedback (event 4: StoreCreated, NodeCreated, InteractionRecorded, FeedbackRecorded).
        let rollback = try CommandRunner.run("gesal-log", ["rollback", "--exclude", "4", "--into", "clean"] + store, cwd: Self.root)
        #expect(rollback.status == 0 && Self.value("learning_steps_rerun", in: rollback.stdout) == "1", "\(rollback.stdout) \(rollback.stderr)")
        let diff = try CommandRunner.run("gesal-log", ["diff", "main", "clean"] + store)
        #expect(diff.stdout.contains("interaction 1 rewards [-2.0] vs []"), "\(diff.stdout)")

        // Bad input: a clear error, nothing changed.
        let head = try #require(Self.value("sequence", in: try CommandRunner.run("gesal-log", ["replay"] + store).stdout))
        let unknown = try CommandRunner.run("gesal", ["feedback", "42", "+"] + store, cwd: Self.root)
        #expect(unknown.status == 1 && unknown.stderr.contains("no interaction 42"), "\(unknown.stderr)")
        let badReward = try CommandRunner.run("gesal", ["feedback", "1", "great"] + store, cwd: Self.root)
        #expect(badReward.status != 0 && badReward.stderr.contains("REWARD must be +, - or a number, not 'great'"))
        let again = try CommandRunner.run("gesal-log", ["rollback", "--exclude", "4", "--into", "clean"] + store, cwd: Self.root)
        #expect(again.status != 0 && again.stderr.contains("already exists"), "\(again.stderr)")
        let past = try CommandRunner.run("gesal-log", ["replay", "--to", "999"] + store)
        #expect(past.status == 1 && past.stderr.contains("past the head"), "\(past.stderr)")
        let noNode = try CommandRunner.run("gesal-log", ["audit", "node", "7"] + store)
        #expect(noNode.status == 1 && noNode.stderr.contains("no node 7"))
        #expect(Self.value("sequence", in: try CommandRunner.run("gesal-log", ["replay"] + store).stdout) == head)
    }

    @Test func aStoreThatLearnsFromNegativeFeedbackThroughMemoryOnly() throws {
        let scratch = ScratchFolder()
        let store = ["--store", scratch.path + "/m"]
        let initResult = try CommandRunner.run("gesal", ["init", "--max-tokens", "4", "--negative-weight", "0", "--update-steps", "2"] + store, cwd: Self.root)
        #expect(initResult.status == 0, "\(initResult.stderr)")
        _ = try CommandRunner.run("gesal", ["ask", "What is 12 + 7? Answer with a number."] + store, cwd: Self.root)
        let feedback = try CommandRunner.run("gesal", ["feedback", "1", "-"] + store, cwd: Self.root)
        #expect(feedback.status == 0 && feedback.stdout.contains("joins its node's rejected answers"), "\(feedback.stdout) \(feedback.stderr)")
        let log = try CommandRunner.run("gesal-log", ["log", "--json"] + store)
        #expect(log.stdout.contains(#"\"negativeWeight\":0"#) && log.stdout.contains(#"\"updateSteps\":2"#), "\(log.stdout.prefix(600))")
        #expect(!log.stdout.contains("AdapterUpdated"), "no learning step for a rejected answer")
        let bad = try CommandRunner.run("gesal", ["init", "--update-steps", "0", "--store", scratch.path + "/n"], cwd: Self.root)
        #expect(bad.status != 0 && bad.stderr.contains("--update-steps is 0: it must be in [1, 100]"), "\(bad.stderr)")
    }

    @Test func aCorrectionIsRecordedAndLearnedEvenWhenNegativeFeedbackIsMemoryOnly() throws {
        let scratch = ScratchFolder()
        let store = ["--store", scratch.path + "/c"]
        #expect(try CommandRunner.run("gesal", ["init", "--max-tokens", "4", "--negative-weight", "0"] + store, cwd: Self.root).status == 0)
        _ = try CommandRunner.run("gesal", ["ask", "What is 12 + 7? Answer with a number."] + store, cwd: Self.root)
        let feedback = try CommandRunner.run("gesal", ["feedback", "1", "-", "--correct", "19"] + store, cwd: Self.root)
        #expect(feedback.status == 0 && feedback.stdout.contains("node 1 learned"), "\(feedback.stdout) \(feedback.stderr)")
        let log = try CommandRunner.run("gesal-log", ["log", "--json"] + store)
        #expect(log.stdout.contains(#"\"correction\":\"19\""#) && log.stdout.contains("AdapterUpdated"), "\(log.stdout.suffix(800))")
        let audit = try CommandRunner.run("gesal-log", ["audit", "node", "1"] + store)
        #expect(audit.stdout.contains("correction \"19\""), "\(audit.stdout)")
    }

    @Test func badCorrectionsAreRefusedAndWriteNothing() throws {
        let scratch = ScratchFolder()
        let store = ["--store", scratch.path + "/c"]
        #expect(try CommandRunner.run("gesal", ["init", "--max-tokens", "4"] + store, cwd: Self.root).status == 0)
        _ = try CommandRunner.run("gesal", ["ask", "What is 12 + 7? Answer with a number."] + store, cwd: Self.root)
        let head = try #require(Self.value("sequence", in: try CommandRunner.run("gesal-log", ["replay"] + store).stdout))
        let blank = try CommandRunner.run("gesal", ["feedback", "1", "-", "--correct", " "] + store, cwd: Self.root)
        #expect(blank.status == 64 && blank.stderr.contains("--correct is empty"), "\(blank.stderr)")
        let unknown = try CommandRunner.run("gesal", ["feedback", "9", "-", "--correct", "19"] + store, cwd: Self.root)
        #expect(unknown.status == 1 && unknown.stderr.contains("no interaction 9"), "\(unknown.stderr)")
        #expect(Self.value("sequence", in: try CommandRunner.run("gesal-log", ["replay"] + store).stdout) == head)
    }

    @Test func aTriggerStoreSaysWhyFeedbackFiredIt() throws {
        let scratch = ScratchFolder()
        let store = ["--store", scratch.path + "/t"]
        let made = try CommandRunner.run("gesal", ["init", "--max-tokens", "4", "--trigger", "--trigger-warmup", "3"] + store, cwd: Self.root)
        #expect(made.status == 0, "\(made.stderr)")
        _ = try CommandRunner.run("gesal", ["ask", "What is 12 + 7? Answer with a number."] + store, cwd: Self.root)
        let feedback = try CommandRunner.run("gesal", ["feedback", "1", "-"] + store, cwd: Self.root)
        #expect(feedback.status == 0 && feedback.stdout.contains("trigger on interaction 1 fired (negative feedback)"), "\(feedback.stdout) \(feedback.stderr)")
        let log = try CommandRunner.run("gesal-log", ["log", "--json"] + store)
        #expect(log.stdout.contains("TriggerFired.v2") && log.stdout.contains(#"\"warmup\":3"#), "\(log.stdout.suffix(800))")
        let figures = try CommandRunner.run("gesal-log", ["trigger", "--trigger-threshold", "0.9"] + store)
        #expect(figures.status == 0 && figures.stdout.contains("recorded settings: threshold 0.5, warm-up 3"), "\(figures.stdout) \(figures.stderr)")
        #expect(figures.stdout.contains("judged again with: threshold 0.9"), "\(figures.stdout)")
        #expect(figures.stdout.contains("trigger: 1 answers judged, 1 given negative feedback, 1 fired"), "\(figures.stdout)")
        let bad = try CommandRunner.run("gesal-log", ["trigger", "--trigger-weight", "bleu=2"] + store)
        #expect(bad.status == 64 && bad.stderr.contains("'bleu'") && bad.stdout.isEmpty, "refused before anything is printed: \(bad.stdout) \(bad.stderr)")
    }

    @Test func triggerSettingsAreRefusedByOptionBeforeAStoreIsMade() throws {
        let scratch = ScratchFolder()
        let cases: [([String], String)] = [
            (["--trigger-warmup", "5"], "add --trigger"),
            (["--trigger", "--trigger-threshold", "2"], "--trigger-threshold is 2.0: it must be in [0, 1]"),
            (["--trigger", "--trigger-weight", "bleu=1"], "'bleu', which is not a trigger signal"),
            (["--trigger", "--trigger-weight", "tokenF1"], "--trigger-weight takes SIGNAL=WEIGHT"),
            (["--trigger", "--stable-rounds", "4"], "add --buffer"),
            (["--buffer"], "--buffer needs --trigger"),
            (["--trigger", "--buffer", "--min-cluster-size", "1"], "--min-cluster-size is 1: it must be in [2, 1000]"),
            (["--trigger", "--buffer", "--merge-cosine", "2"], "--merge-cosine is 2.0: it must be in [-1, 1]"),
        ]
        try Self.refuseInit(cases, in: scratch)
    }

    @Test func loraStoreSettingsAreRefusedByOptionBeforeAStoreIsMade() throws {
        let scratch = ScratchFolder()
        let sage = ["--trigger", "--buffer", "--lora-store"]
        try Self.refuseInit([
            (["--trigger", "--buffer", "--pool-size", "2"], "add --lora-store"),
            (["--trigger", "--lora-store"], "--lora-store needs --buffer"),
            (sage + ["--lora-ranks", "4,4"], "--lora-ranks names a value twice"),
            (sage + ["--lora-ranks", "4,x"], "'x' in '4,x' is not a value this list takes"),
            (sage + ["--lora-learning-rates", "0"], "--lora-learning-rates is 0.0: it must be in (0, 1]"),
            (sage + ["--min-labelled", "1"], "--min-labelled is 1: it must be in [2, 1000]"),
            (sage + ["--lora-targets", "gate,mlp"], "--lora-targets: unknown target matrix 'mlp'"),
            (sage + ["--lora-ranks", "1,2,3,4", "--lora-learning-rates", "0.1,0.2,0.3", "--lora-epochs", "1,2,3"], "the number of candidates"),
        ], in: scratch)
    }

    /// `gesal init` with each case's options exits 64 naming what is wrong, and makes no store.
    static func refuseInit(_ cases: [([String], String)], in scratch: ScratchFolder) throws {
        for (options, message) in cases {
            let result = try CommandRunner.run("gesal", ["init", "--store", scratch.path + "/x"] + options, cwd: Self.root)
            #expect(result.status == 64 && result.stderr.contains(message), "\(options): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: scratch.path + "/x"), "\(options) made a store")
        }
    }
}
