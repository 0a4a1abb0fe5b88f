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
