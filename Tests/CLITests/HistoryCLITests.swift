import Foundation
import Testing

/// The past through the command lines, on the real model: `gesal eval --at` against a branch
/// reset to the same event, `gesal ask --at`, `gesal-log bisect` and its refusals, and
/// `gesal-log curve`.
@Suite(.serialized) struct HistoryCLITests {
    static let root = EngineCLITests.root
    static let week = "How many days are in a week?"

    /// A store where the control question is answered right (events 1-3), then told wrong
    /// (feedback at 4, its learning step at 6), then asked again; then one arithmetic answer
    /// is rewarded. Built once for the suite; a failure (a missing model) fails each test, not
    /// the process.
    static let scratch = ScratchFolder()
    static let built: Result<String, SetupError> = {
        let path = scratch.path + "/s"
        guard (try? "counts\t\(week)\t7\ncounts\tHow many legs does a spider have?\t8\n".write(toFile: items, atomically: true, encoding: .utf8)) != nil else {
            return .failure(SetupError(description: "cannot write \(items)"))
        }
        let steps: [(String, [String])] = [
            // The story (the feedback alone breaks the answer) was measured on Float32 weights;
            // from the quantised blocks the answer breaks only at the learning step (event 6).
            ("gesal", ["init", "--max-tokens", "10", "--similarity-threshold", "0.9", "--weights", "float32"]),
            ("gesal", ["ask", week]), ("gesal", ["feedback", "1", "-"]), ("gesal", ["ask", week]),
            ("gesal", ["ask", "What is 12 + 7?"]), ("gesal", ["feedback", "3", "+"]),
        ]
        for (tool, arguments) in steps {
            guard let result = try? CommandRunner.run(tool, arguments + ["--store", path], cwd: root), result.status == 0 else {
                return .failure(SetupError(description: "\(tool) \(arguments.joined(separator: " ")) failed; run ./scripts/setup.sh"))
            }
        }
        return .success(path)
    }()

    /// The questions the tests score (`--items`): the week question and one more.
    static var items: String { scratch.path + "/week.tsv" }

    struct SetupError: Error, CustomStringConvertible {
        var description: String
    }

    static var store: String {
        get throws { try built.get() }
    }

    static func log(_ arguments: String...) throws -> CommandResult {
        try CommandRunner.run("gesal-log", arguments + ["--store", try store], cwd: root)
    }

    static func head() throws -> String? {
        EngineCLITests.value("sequence", in: try log("replay").stdout)
    }

    @Test func evalAtASequenceScoresWhatABranchResetThereScores() throws {
        let at = try CommandRunner.run("gesal", ["eval", "--items", Self.items, "--store", try Self.store, "--at", "3", "--json"], cwd: Self.root)
        #expect(at.status == 0, "\(at.stderr)")
        #expect(try Self.log("branch", "create", "at-3", "--from", "3").status == 0)
        let branch = try CommandRunner.run("gesal", ["eval", "--items", Self.items, "--store", try Self.store, "--branch", "at-3", "--json"], cwd: Self.root)
        func result(_ json: String) throws -> [String: AnyHashable] {
            let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
            return (object["result"] as! [String: Any]).mapValues { $0 as! AnyHashable }
        }
        #expect(try result(at.stdout) == result(branch.stdout), "\(at.stdout) vs \(branch.stdout)")
        let now = try CommandRunner.run("gesal", ["eval", "--items", Self.items, "--store", try Self.store, "--json"], cwd: Self.root)
        #expect(try result(now.stdout)["correct"] != result(at.stdout)["correct"], "the poisoned feedback changed the control score")
    }

    @Test func askAtAnswersAsThePastDidAndRecordsNothing() throws {
        let before = try Self.head()
        let past = try CommandRunner.run("gesal", ["ask", "--at", "3", Self.week, "--store", try Self.store], cwd: Self.root)
        #expect(past.status == 0 && past.stdout.contains("7") && past.stderr.contains("as of event 3"), "\(past.stdout) \(past.stderr)")
        let now = try CommandRunner.run("gesal", ["ask", "--at", "9", Self.week, "--store", try Self.store], cwd: Self.root)
        #expect(now.status == 0 && !now.stdout.contains("7"), "\(now.stdout)")
        #expect(try Self.head() == before)
    }

    @Test func bisectFindsTheFeedbackThatBrokeTheAnswer() throws {
        let before = try Self.head()
        let bisect = try Self.log("bisect", "--good", "3", "--item", Self.week, "--expect", "7")
        #expect(bisect.status == 0, "\(bisect.stderr)")
        #expect(EngineCLITests.value("first_bad", in: bisect.stdout) == "4", "\(bisect.stdout)")
        #expect(EngineCLITests.value("inputs", in: bisect.stdout) == "4")
        #expect(bisect.stdout.contains("audit: event 4: feedback -2 from user on interaction 1"))
        #expect(try Self.head() == before, "a bisect without --exclude writes nothing")
    }

    @Test func bisectWithACommandTestSeesTheSequence() throws {
        let bisect = try Self.log("bisect", "--good", "3", "--command", "test \"$GESAL_AT\" -lt 6")
        #expect(bisect.status == 0 && EngineCLITests.value("first_bad", in: bisect.stdout) == "6", "\(bisect.stdout) \(bisect.stderr)")
    }

    @Test(arguments: [
        (["--good", "5", "--bad", "4", "--control"], 64, "--good 5 is not before --bad 4"),
        (["--good", "8", "--item", week, "--expect", "7"], 1, "the test already fails at --good 8"),
        (["--good", "1", "--bad", "3", "--item", week, "--expect", "7"], 1, "the test passes at --bad 3"),
        (["--good", "3", "--task", "poetry", "--min-accuracy", "0.5"], 64, "--task is one of arithmetic, subtraction, multiplication, letters, wordlength, control, not 'poetry'"),
        (["--good", "3", "--bad", "999", "--control"], 1, "--bad 999 is past the head"),
        (["--good", "3", "--item", week], 64, "--item needs --expect"),
        (["--good", "3"], 64, "give one test"),
        (["--good", "3", "--control", "--max-drop", "nan"], 64, "--max-drop is in accuracy points"),
    ])
    func bisectRefusesBadRequestsAndWritesNothing(arguments: [String], status: Int32, message: String) throws {
        let before = try Self.head()
        let branches = try Self.log("branch", "list").stdout
        let result = try CommandRunner.run("gesal-log", ["bisect"] + arguments + ["--exclude", "--store", try Self.store], cwd: Self.root)
        #expect(result.status == status && result.stderr.contains(message), "\(result.status) \(result.stderr)")
        #expect(try Self.head() == before && Self.log("branch", "list").stdout == branches)
    }

    @Test func curveWritesJSONAndAChartOfBothBranches() throws {
        let scratch = ScratchFolder()
        _ = try Self.log("rollback", "--exclude", "4", "--into", "no-poison")
        let curve = try Self.log("curve", "--items", Self.items, "--every", "1", "--also", "no-poison",
                                 "--json", scratch.path + "/c.json", "--svg", scratch.path + "/c.svg")
        #expect(curve.status == 0, "\(curve.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: scratch.path + "/c.json"))) as! [String: Any]
        let curves = json["curves"] as! [[String: Any]]
        #expect(curves.map { $0["branch"] as! String } == ["main", "no-poison"])
        // main: the first state and after each of its two learning steps; no-poison has one step.
        #expect(curves.map { ($0["points"] as! [Any]).count } == [3, 2], "\(curve.stdout)")
        let svg = try String(contentsOfFile: scratch.path + "/c.svg", encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.components(separatedBy: "<polyline").count - 1 == 2 && svg.contains("no-poison"))
    }
}
