import Foundation
import Testing

/// `gesal demo` on the real model, shrunk to a few items: it must exit 0, write the JSON and
/// the chart, restore the pre-poison state exactly, and give the same results twice.
@Suite(.serialized) struct DemoCLITests {
    static let root = EngineCLITests.root

    /// A tiny run: 8 items (about 4 taught), one pass of up to two asks per item, answers of 4
    /// tokens, 6 control questions.
    static func run(in folder: String) throws -> (status: Int32, stdout: String, stderr: String, json: [String: Any], raw: String) {
        let arguments = ["demo", "--quick", "--items", "8", "--passes", "1", "--attempts", "2", "--max-tokens", "4",
                         "--control-items", "6", "--store", folder + "/store", "--json", folder + "/out.json"]
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let result = try CommandRunner.run("gesal", arguments, cwd: root)
        let raw = (try? String(contentsOfFile: folder + "/out.json", encoding: .utf8)) ?? ""
        let json = (try? JSONSerialization.jsonObject(with: Data(raw.utf8))) as? [String: Any] ?? [:]
        return (result.status, result.stdout, result.stderr, json, raw)
    }

    /// SAGE's demo, shrunk: 8 items per family (about 4 taught), 2 fresh poisoned items per
    /// family, 4 control questions. Whatever the pool learns from so few, the report must
    /// hold every family's held-out accuracy and the pool's figures, and the rollback must
    /// restore the state before the poison.
    @Test func aTinySAGEDemoReportsEachFamilyAndThePool() throws {
        let scratch = ScratchFolder()
        let folder = scratch.path + "/sage"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let result = try CommandRunner.run("gesal", ["demo", "--system", "sage", "--quick", "--items", "8", "--control-items", "4", "--max-tokens", "4",
                                                     "--store", folder + "/store", "--json", folder + "/out.json"], cwd: Self.root)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("held-out by family") && result.stdout.contains("LoRA store:"), "\(result.stdout)")
        let raw = (try? Data(contentsOf: URL(fileURLWithPath: folder + "/out.json"))) ?? Data()
        let json = (try? JSONSerialization.jsonObject(with: raw)) as? [String: Any] ?? [:]
        let baseline = (json["checkpoints"] as? [[String: Any]])?.first?["scores"] as? [String: Any]
        let families = (baseline?["heldOutByFamily"] as? [String: Any])?.keys.sorted()
        #expect(families == ["arithmetic", "letters", "multiplication", "subtraction"])
        #expect((json["pool"] as? [String: Any])?["searches"] != nil && (json["clusters"] as? [String: Any]) != nil)
        #expect((json["rollback"] as? [String: Any])?["matchesBeforePoison"] as? Bool == true)
    }

    /// Transformer²'s demo, shrunk: 20 items a task, one training step, one CEM generation of
    /// two candidates on two shots, answers of 4 tokens. Whatever so little learns, the report
    /// must hold every part the issue names, and replay must re-execute its training and CEM.
    @Test func aTinyTransformer2DemoReportsTheLibraryAndReexecutes() throws {
        let scratch = ScratchFolder()
        let folder = scratch.path + "/t2"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let result = try CommandRunner.run("gesal", ["demo", "--system", "transformer2", "--quick", "--items", "20", "--steps", "1", "--generations", "1",
                                                     "--population", "2", "--shots", "2", "--max-tokens", "4",
                                                     "--store", folder + "/store", "--json", folder + "/out.json"], cwd: Self.root)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("mixed test stream") && result.stdout.contains("best strategy:"), "\(result.stdout)")
        let raw = (try? Data(contentsOf: URL(fileURLWithPath: folder + "/out.json"))) ?? Data()
        let json = (try? JSONSerialization.jsonObject(with: raw)) as? [String: Any] ?? [:]
        #expect((json["experts"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["adder", "lengths"])
        #expect((json["classifier"] as? [String: Any])?["task"] as? String == "dispatch")
        let rows = (json["comparison"] as? [String: Any])?["rows"] as? [[String: Any]] ?? []
        #expect(rows.compactMap { $0["name"] as? String } == ["base", "expert adder", "expert lengths", "oracle", "embedding", "prompt", "classifier"])
        #expect(rows.filter { $0["classification"] != nil }.count == 3, "each strategy's classification accuracy is reported")
        #expect((json["mixes"] as? [[String: Any]])?.compactMap { $0["granularity"] as? String } == ["expert", "matrix"])
        let unseen = json["unseen"] as? [[String: Any]] ?? []
        #expect(unseen.compactMap { $0["name"] as? String } == ["base", "expert adder", "expert lengths", "mix minus", "mix minus-matrix"])
        #expect(unseen.allSatisfy { (($0["result"] as? [String: Any])?.keys).map { Set(["low", "high", "count", "majorityBaseline"]).isSubset(of: $0) } ?? false })
        let svg = (try? String(contentsOfFile: folder + "/out.svg", encoding: .utf8)) ?? ""
        #expect(svg.hasPrefix("<svg") && svg.contains("per matrix: best"))

        let replay = try CommandRunner.run("gesal-log", ["replay", "--reexecute", "--store", folder + "/store"], cwd: Self.root)
        #expect(replay.status == 0 && replay.stdout.contains("expert_trainings=5"), "\(replay.stdout)\(replay.stderr)")
    }

    /// SEAL's demo, shrunk: two passages, one self-edit each, answers of 4 tokens. Whatever so
    /// little learns, the report must hold the four figures with intervals, the forgetting
    /// curve and each passage's candidates.
    @Test func aTinySEALDemoReportsEveryFigureAndTheCurve() throws {
        let scratch = ScratchFolder()
        let folder = scratch.path + "/seal"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let result = try CommandRunner.run("gesal", ["demo", "--system", "seal", "--quick", "--passages", "3", "--candidates", "1", "--max-tokens", "4",
                                                     "--epochs", "1",
                                                     "--rehearse", "1", "--control-items", "4", "--store", folder + "/store", "--json", folder + "/out.json"],
                                           cwd: Self.root)
        #expect(result.status == 0 && result.stdout.contains("passage + one edit by the base model"), "\(result.stdout) \(result.stderr)")
        let raw = (try? Data(contentsOf: URL(fileURLWithPath: folder + "/out.json"))) ?? Data()
        let json = (try? JSONSerialization.jsonObject(with: raw)) as? [String: Any] ?? [:]
        func hasInterval(_ figure: Any?) -> Bool {
            let exact = (figure as? [String: Any])?["containsAnswer"] as? [String: Any]
            return exact?["low"] != nil && exact?["high"] != nil && (exact?["count"] as? Int ?? 0) >= 3
        }
        #expect(hasInterval(json["base"]) && hasInterval(json["baseOnTraining"]))
        let conditions = (json["heldOut"] as? [[String: Any]]) ?? []
        #expect(conditions.count >= 3 && conditions.allSatisfy { hasInterval($0["figure"]) }, "the adapter before, the passage alone and with the base model's edit")
        for name in ["continual", "rehearsed"] {
            let run = json[name] as? [String: Any] ?? [:]
            #expect(["passageAlone", "kept", "rightAfter", "atEnd"].allSatisfy { hasInterval(run[$0]) }, "\(name)")
            #expect((run["curve"] as? [Any])?.count == (json["trainingPassages"] as? [Any])?.count && run["control"] != nil && run["drift"] != nil, "\(name)")
        }
        #expect((json["rehearsed"] as? [String: Any])?["rehearse"] as? Int == 1)
        #expect(json["rounds"] != nil && json["baseControl"] != nil)
        #expect(((try? String(contentsOfFile: folder + "/out.svg", encoding: .utf8)) ?? "").hasPrefix("<svg"))
    }

    @Test(arguments: [
        (["--system", "seal", "--steps", "2"], "--steps: another system's demo, not SEAL's"),
        (["--passages", "2"], "are SEAL's demo (--system seal)"),
        (["--rounds", "1"], "are SEAL's demo (--system seal)"),
        (["--system", "transformer2", "--passes", "2"], "--passes: GESAL's and SAGE's demo, not Transformer²'s"),
        (["--system", "transformer2", "--population", "1"], "--population is 1"),
        (["--generations", "3"], "are Transformer²'s demo (--system transformer2)"),
        (["--system", "transformers"], "--system is gesal, sage, transformer2 or seal, not 'transformers'"),
    ])
    func aDemoGivenAnotherSystemsOptionIsRefusedBeforeAnythingIsMade(arguments: [String], message: String) throws {
        let scratch = ScratchFolder()
        let result = try CommandRunner.run("gesal", ["demo"] + arguments + ["--store", scratch.path + "/store"], cwd: Self.root)
        #expect(result.status != 0 && result.stderr.contains(message), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/store"))
    }

    @Test func aTinyDemoRestoresThePrePoisonStateAndRepeatsItself() throws {
        let scratch = ScratchFolder()
        let first = try Self.run(in: scratch.path + "/a")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("after rollback") && first.stdout.contains("majority-answer baseline"), "\(first.stdout)")
        #expect(FileManager.default.fileExists(atPath: scratch.path + "/a/out.svg"))

        let checkpoints = first.json["checkpoints"] as? [[String: Any]] ?? []
        let phases = checkpoints.compactMap { $0["phase"] as? String }
        #expect(phases == ["baseline", "after feedback", "after poison", "after rollback"], "\(phases)")
        for point in checkpoints {
            let scores = point["scores"] as? [String: [String: Any]] ?? [:]
            for set in ["taught", "heldOut", "control"] {
                #expect(scores[set]?["accuracy"] != nil && scores[set]?["low"] != nil && scores[set]?["count"] != nil, "\(set) in \(point)")
            }
        }
        let byPhase = Dictionary(uniqueKeysWithValues: checkpoints.map { ($0["phase"] as! String, $0) })
        let rollback = first.json["rollback"] as? [String: Any] ?? [:]
        #expect(rollback["matchesBeforePoison"] as? Bool == true)
        let beforePoison = try #require(byPhase["after feedback"]?["stateHash"] as? String, "each checkpoint names its state hash")
        #expect(byPhase["after rollback"]?["stateHash"] as? String == beforePoison)
        let restored = NSDictionary(dictionary: byPhase["after rollback"]?["scores"] as? [String: Any] ?? [:])
        #expect(restored.count == 3 && restored.isEqual(to: byPhase["after feedback"]?["scores"] as? [String: Any] ?? [:]))

        // Same seed, same results: equal apart from the timing fields.
        let second = try Self.run(in: scratch.path + "/b")
        #expect(second.status == 0, "\(second.stderr)")
        func untimed(_ raw: String) -> String {
            raw.split(separator: "\n").filter { !$0.contains("\"seconds\"") }.joined(separator: "\n")
        }
        #expect(!first.raw.isEmpty && untimed(first.raw) == untimed(second.raw))

        // The demo replaces only stores it made.
        let foreign = scratch.path + "/foreign"
        try FileManager.default.createDirectory(atPath: foreign, withIntermediateDirectories: true)
        let refused = try CommandRunner.run("gesal", ["demo", "--quick", "--store", foreign], cwd: Self.root)
        #expect(refused.status != 0 && refused.stderr.contains("was not made by `gesal demo`"), "\(refused.stderr)")

        // Wrong arguments and a missing word list: clear errors before any model loads.
        let optimizer = try CommandRunner.run("gesal", ["demo", "--optimizer", "lion", "--store", scratch.path + "/c"], cwd: Self.root)
        #expect(optimizer.status != 0 && optimizer.stderr.contains("--optimizer is adam or sgd, not 'lion'"), "\(optimizer.stderr)")
        let words = try CommandRunner.run("gesal", ["demo", "--words", "/nonexistent/words.txt", "--store", scratch.path + "/c"], cwd: Self.root)
        #expect(words.status == 1 && words.stderr.contains("cannot read the word list /nonexistent/words.txt"), "\(words.stderr)")
        let negative = try CommandRunner.run("gesal", ["demo", "--negative-weight=-1", "--store", scratch.path + "/c"], cwd: Self.root)
        #expect(negative.status != 0 && negative.stderr.contains("--negative-weight is -1.0: it must be in [0, 10]"), "\(negative.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/c"), "nothing created")
    }
}
