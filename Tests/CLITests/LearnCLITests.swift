import Foundation
import Testing

/// `gesal learn` end to end on the real model, shrunk (two self-edits of 12 tokens, a rank-2
/// LoRA for one epoch): the passage is learned, audited back from its knowledge adapter, and
/// re-executed; then the clumsy requests, each refused with one line before any model loads.
@Suite(.serialized) struct LearnCLITests {
    static let root = EngineCLITests.root
    static let tiny = ["--candidates", "2", "--edit-tokens", "12", "--rank", "2", "--epochs", "1", "--quiz-tokens", "4", "--weights", "float32"]

    static func files(in folder: String, quiz: String = #"{"question": "Who founded Plimt?", "answer": "Dra Voust"}"# + "\n") throws -> (passage: String, quiz: String) {
        let passage = folder + "/plimt.txt", questions = folder + "/quiz.jsonl"
        try "Plimt is the capital of Zorbia. It was founded in 1742 by Dra Voust.".write(toFile: passage, atomically: true, encoding: .utf8)
        try quiz.write(toFile: questions, atomically: true, encoding: .utf8)
        return (passage, questions)
    }

    @Test func aPassageThroughTheCommandLines() throws {
        let scratch = ScratchFolder()
        let store = ["--store", scratch.path + "/s"]
        let (passage, quiz) = try Self.files(in: scratch.path)
        let learn = try CommandRunner.run("gesal", ["learn", passage, "--questions", quiz] + Self.tiny + store, cwd: Self.root)
        #expect(learn.status == 0 && learn.stdout.contains("(the passage alone)") && learn.stdout.contains("kept candidate"), "\(learn.stdout) \(learn.stderr)")
        let adapter = try #require(learn.stdout.split(separator: "\n").last?.split(separator: " ").last.map(String.init))

        let audit = try CommandRunner.run("gesal-log", ["audit", "adapter", adapter] + store)
        #expect(audit.status == 0 && audit.stdout.contains("passage 1 \"plimt\" submitted") && audit.stdout.contains("self-edit 2 of passage 1 proposed")
                && audit.stdout.contains("passage 1 learned with candidate"), "\(audit.stdout) \(audit.stderr)")

        let replay = try CommandRunner.run("gesal-log", ["replay", "--reexecute"] + store, cwd: Self.root)
        #expect(EngineCLITests.value("self_edit_checks", in: replay.stdout) == "4" && replay.status == 0, "\(replay.stdout) \(replay.stderr)")
    }

    /// Without --questions the model writes the quiz, recorded as its own; the outer loop then
    /// finds no edit that beat its passage (so tiny a LoRA learns nothing) and says so.
    @Test func theModelWritesTheQuizAndTheWriterWaitsForAWinner() throws {
        let scratch = ScratchFolder()
        let store = ["--store", scratch.path + "/s"]
        let passage = scratch.path + "/thobend.txt"
        try ("Thobend is the capital of Nevarbia. The river Baforb runs through it. Thobend was founded in 1818 by Loufurb Quuthund, "
            + "and its main export is silk.").write(toFile: passage, atomically: true, encoding: .utf8)
        let learn = try CommandRunner.run("gesal", ["learn", passage] + Self.tiny + store, cwd: Self.root)
        #expect(learn.status == 0 && learn.stdout.contains("the model's quiz") && learn.stdout.contains("-> Thobend"), "\(learn.stdout) \(learn.stderr)")
        let log = try CommandRunner.run("gesal-log", ["log", "--json"] + store)
        #expect(log.stdout.contains(#"\"questionsBy\":\"model\""#), "\(log.stdout.prefix(2000))")
        let seal = try CommandRunner.run("gesal", ["seal", "train", "--writer-epochs", "1"] + store, cwd: Self.root)
        #expect(seal.status == 0 && seal.stdout.contains("nothing to train the writer on"), "\(seal.stdout) \(seal.stderr)")
    }

    @Test func theWriterOfAStoreWithoutPassagesIsRefused() throws {
        let scratch = ScratchFolder()
        let result = try CommandRunner.run("gesal", ["seal", "train", "--store", scratch.path + "/s"], cwd: Self.root)
        #expect(result.status != 0 && result.stderr.contains("the store has learned no passage"), "\(result.stderr)")
    }

    @Test func aRoundCountOutOfRangeIsRefusedBeforeAModelLoads() throws {
        let scratch = ScratchFolder()
        let result = try CommandRunner.run("gesal", ["seal", "train", "--rounds", "0", "--store", scratch.path + "/s"], cwd: Self.root)
        #expect(result.status != 0 && result.stderr.contains("--rounds is 0"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/s"))
    }

    @Test(arguments: [
        ("not json\n", "quiz.jsonl:1 is not a JSON object"),
        (#"{"question": "Who?"}"# + "\n", "quiz.jsonl:1 is not a JSON object"),
        ("\n", "passage 1's questions is 0"),
    ])
    func aBadQuizIsRefusedAndNothingIsMade(quiz text: String, message: String) throws {
        let scratch = ScratchFolder()
        let (passage, quiz) = try Self.files(in: scratch.path, quiz: text)
        let result = try CommandRunner.run("gesal", ["learn", passage, "--questions", quiz, "--store", scratch.path + "/s"], cwd: Self.root)
        #expect(result.status != 0 && result.stderr.contains(message), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/s"))
    }

    @Test func anEmptyPassageIsRefusedAndNothingIsMade() throws {
        let scratch = ScratchFolder()
        let (_, quiz) = try Self.files(in: scratch.path)
        let result = try CommandRunner.run("gesal", ["learn", "-", "--questions", quiz, "--store", scratch.path + "/s"], input: "  \n", cwd: Self.root)
        #expect(result.status != 0 && result.stderr.contains("passage 1 is empty"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/s"))
    }
}
