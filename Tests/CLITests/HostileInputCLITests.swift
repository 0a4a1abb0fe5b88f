import CommandLineSupport
import EventLog
import Foundation
import GESAL
import Testing
import TestSupport

/// Clumsy and hostile command lines: each is refused with one line naming the value, a
/// non-zero exit, and no change to the store; the newcomer fixes hold; and random values
/// thrown at every numeric option never crash a verb.
@Suite struct HostileInputCLITests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// Every file under `path` and its bytes.
    static func files(_ path: String) -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: path)
        while let name = enumerator?.nextObject() as? String {
            if let data = FileManager.default.contents(atPath: path + "/" + name) { files[name] = data }
        }
        return files
    }

    /// A GESAL history written by hand: StoreCreated, one node and one interaction.
    static let history = [
        #"{"kind":"event","type":"StoreCreated.v1","payload":"{\"blasCore\":\"Haswell\",\"config\":{\"bufferSize\":1,\"composition\":\"gesal\",\"klWeight\":1,\"learningRate\":0.002,\"maxTokens\":8,\"similarityThreshold\":0.7,\"svfTargets\":[\"gate\"]},\"embedder\":\"minilm\",\"model\":\"m\",\"modelFingerprint\":\"f\",\"seed\":0,\"threads\":2}"}"#,
        #"{"kind":"event","type":"NodeCreated.v1","payload":"{\"embedding\":\"AACAPwAAAAA=\",\"interaction\":1,\"node\":1}"}"#,
        #"{"kind":"event","type":"InteractionRecorded.v1","payload":"{\"embedding\":\"AACAPwAAAAA=\",\"interaction\":1,\"node\":1,\"prompt\":\"p\",\"promptTokens\":3,\"response\":\"r\",\"responseTokens\":1,\"sampling\":{\"maxTokens\":8,\"repetitionPenalty\":1,\"seed\":0,\"temperature\":0,\"topK\":0,\"topP\":1},\"similarity\":1}"}"#,
    ].joined(separator: "\n") + "\n"

    /// A buffer's history (`BufferFixture`: both clusters form at the sixth answer) whose first
    /// ClusterFormed lost a member: the round made it otherwise, so import refuses the file,
    /// names the line, and writes nothing.
    @Test func aTamperedClusterFormedIsRefusedOnImportAndNothingIsWritten() throws {
        let events = try BufferFixture.stream(6).events
        var lines = try events.enumerated().map { index, event in
            let draft = try event.draft()
            let line = EventLine(Event(sequence: UInt64(index + 1), timeNanos: 0, type: draft.type, payload: draft.payload, blobs: []))
            return String(decoding: try JSONEncoder().encode(line), as: UTF8.self)
        }
        let formed = try #require(lines.firstIndex { $0.contains(ClusterFormed.typeName) })
        #expect(lines[formed].contains(#"\"members\":[1,3,5]"#) || lines[formed].contains(#"\"members\":[2,4,6]"#), "\(lines[formed])")
        lines[formed] = lines[formed].replacingOccurrences(of: #"\"members\":[1,3,5]"#, with: #"\"members\":[1,3]"#)
            .replacingOccurrences(of: #"\"members\":[2,4,6]"#, with: #"\"members\":[2,4]"#)
        let scratch = ScratchFolder()
        let store = scratch.path + "/s"
        let imported = try CommandRunner.run("gesal-log", ["import", "-", "--store", store], input: lines.joined(separator: "\n") + "\n")
        #expect(imported.status != 0 && imported.stderr.contains("does not follow from the buffer's round"), "\(imported.stderr)")
        #expect(imported.stderr.contains("line \(formed + 1): ClusterFormed.v1") && imported.stderr.contains("nothing was imported"), "names the line: \(imported.stderr)")
        let head = LogStore.exists(at: store) ? try LogStore(at: store).head(of: "main") : 0
        #expect(head == 0, "nothing written")
    }

    @Test func aSettingOutOfRangeIsOneLineAndCreatesNoStore() throws {
        let scratch = ScratchFolder()
        for (option, shown) in [("--learning-rate=nan", "--learning-rate is nan"), ("--kl-weight=-1", "--kl-weight is -1.0"),
                                ("--guard-tolerance=-0.5", "--guard-tolerance is -0.5"), ("--learning-rate=1e30", "--learning-rate is 1e+30"),
                                ("--learning-tokens=5", "--learning-tokens is 5")] {
            let result = try CommandRunner.run("gesal", ["init", option, "--store", scratch.path + "/s"])
            #expect(result.status == 64 && result.stderr.contains(shown) && result.stderr.contains("it must be"), "\(option): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/s"))
        for (option, shown) in [("--temperature=-1", "--temperature is -1.0"), ("--temperature=nan", "--temperature is nan"),
                                ("--repetition-penalty=0", "--repetition-penalty is 0.0"), ("--threads=0", "--threads is 0"),
                                ("--max-tokens=0", "--max-tokens is 0"), ("--top-p=0", "--top-p is 0.0")] {
            let result = try CommandRunner.run("gesal", ["generate", option, "hello", "--model", "/nonexistent.gguf"])
            #expect(result.status == 64 && result.stderr.contains(shown), "\(option): \(result.stderr)")
        }
    }

    @Test func aStoreThatLostItsManifestIsNeitherRecreatedNorForgottenAndRecoverRestoresIt() throws {
        let scratch = ScratchFolder()
        let store = scratch.path + "/s"
        #expect(try CommandRunner.run("gesal-log", ["import", "-", "--store", store], input: Self.history).status == 0)
        #expect(try CommandRunner.run("gesal-log", ["branch", "create", "side", "--from", "2", "--store", store]).status == 0)
        try FileManager.default.removeItem(atPath: store + "/manifest.json")
        let before = Self.files(store)
        let ask = try CommandRunner.run("gesal", ["ask", "hello", "--store", store], cwd: Self.root)
        #expect(ask.status == 1 && ask.stderr.contains("manifest.json is missing") && ask.stderr.contains("gesal-log recover"), "\(ask.stderr)")
        #expect(Self.files(store) == before, "refs.json, reflog.jsonl and every segment unchanged")
        let recover = try CommandRunner.run("gesal-log", ["recover", "--store", store])
        #expect(recover.status == 0 && recover.stdout.contains("rebuilt manifest.json"), "\(recover.stdout) \(recover.stderr)")
        let branches = try CommandRunner.run("gesal-log", ["branch", "list", "--store", store])
        #expect(branches.stdout.contains("side") && branches.stdout.contains("main"), "\(branches.stdout)")
        #expect(try CommandRunner.run("gesal-log", ["verify", "--domain", "--store", store]).status == 0)
    }

    @Test func importRefusesWhatReplayWouldRefuseAndAppendsNothing() throws {
        let scratch = ScratchFolder()
        let store = scratch.path + "/s"
        #expect(try CommandRunner.run("gesal-log", ["import", "-", "--store", store], input: Self.history).status == 0)
        let before = Self.files(store)
        let cases = [
            (#"{"kind":"event","type":"Mystery.v1","payload":"{}"}"#, "does not know"),
            (#"{"kind":"event","type":"FeedbackRecorded.v1","payload":"{\"interaction\":7,\"reward\":1,\"source\":\"x\"}"}"#, "interaction 7, which does not exist"),
            (#"{"kind":"event","type":"FeedbackRecorded.v1","payload":"{\"interaction\":\"one\"}"}"#, "does not decode"),
            (#"{"kind":"event","type":"FeedbackRecorded.v1","payload":"{\"interaction\":1,\"reward\":1e30,\"source\":\"x\"}"}"#, "in [-10, 10]"),
        ]
        for (line, reason) in cases {
            let result = try CommandRunner.run("gesal-log", ["import", "-", "--store", store], input: line + "\n")
            #expect(result.status == 1 && result.stderr.contains("line 1:") && result.stderr.contains(reason), "\(result.stderr)")
        }
        let twice = try CommandRunner.run("gesal-log", ["import", "-", "--store", store], input: Self.history)
        #expect(twice.status == 1 && twice.stderr.contains("line 1:") && twice.stderr.contains("a second StoreCreated"), "\(twice.stderr)")
        #expect(Self.files(store) == before)
        let good = #"{"kind":"event","type":"FeedbackRecorded.v1","payload":"{\"interaction\":1,\"reward\":-2,\"source\":\"import\"}"}"#
        #expect(try CommandRunner.run("gesal-log", ["import", "-", "--store", store], input: good + "\n").status == 0)
    }

    @Test func verifyDomainAndDoctorNameTheEventThatDoesNotReplay() throws {
        let scratch = ScratchFolder()
        let store = scratch.path + "/s"
        #expect(try CommandRunner.run("gesal-log", ["import", "-", "--store", store], input: Self.history).status == 0)
        #expect(try CommandRunner.run("gesal-log", ["verify", "--domain", "--store", store]).status == 0)
        // What an older `import` let in: feedback for an interaction that does not exist,
        // appended as a record with no check.
        let writer = try LogWriter(at: store)
        try writer.append([EventDraft(type: "FeedbackRecorded.v1", payload: Array(#"{"interaction":7,"reward":1,"source":"x"}"#.utf8))])
        try writer.close()
        let plain = try CommandRunner.run("gesal-log", ["verify", "--store", store])
        #expect(plain.status == 0, "the records themselves are intact")
        let domain = try CommandRunner.run("gesal-log", ["verify", "--domain", "--store", store])
        #expect(domain.status == 1 && domain.stdout.contains("branch 'main': event 4") && domain.stdout.contains("interaction 7"), "\(domain.stdout)")
        let doctor = try CommandRunner.run("gesal", ["doctor", "--store", store], cwd: Self.root)
        #expect(doctor.status == 1 && doctor.stdout.contains("problem  store") && doctor.stdout.contains("event 4"), "\(doctor.stdout)")
    }

    @Test func timeAndOrderAreChecked() throws {
        let scratch = ScratchFolder()
        let store = scratch.path + "/s"
        #expect(try CommandRunner.run("gesal-log", ["import", "-", "--store", store], input: Self.history).status == 0)
        let future = try CommandRunner.run("gesal-log", ["replay", "--as-of", "9999-01-01T00:00:00Z", "--store", store])
        #expect(future.status == 64 && future.stderr.contains("outside the times the log records"), "\(future.stderr)")
        let before = Self.files(store)
        let zero = try CommandRunner.run("gesal-log", ["rollback", "--to", "0", "--store", store])
        #expect(zero.status == 64 && zero.stderr.contains("cannot go before its StoreCreated"), "\(zero.stderr)")
        #expect(Self.files(store) == before)
    }

    @Test func demoOptionsOutOfRangeAreRefusedBeforeAnyModelLoads() throws {
        let scratch = ScratchFolder()
        let cases: [([String], String)] = [
            (["--system", "lisp"], "--system is gesal, sage, transformer2 or seal, not 'lisp'"),
            (["--system", "sage", "--corrections"], "--corrections and --sweep-threshold are GESAL's demo"),
            (["--sweep-threshold", "0.5,x"], "--sweep-threshold takes numbers separated by commas"),
            (["--sweep-threshold", "0.5,2"], "--sweep-threshold is 2.0: it must be in [-1, 1]"),
            (["--corrections", "--correction-weight=-1"], "--correction-weight is -1.0: it must be in [0, 10]"),
        ]
        for (arguments, message) in cases {
            let result = try CommandRunner.run("gesal", ["demo", "--store", scratch.path + "/d"] + arguments, cwd: Self.root)
            #expect(result.status == 64 && result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/d"), "no store made")
    }

    @Test func chatCommandsNeverReachTheModelAndFeedbackTakesMinusTwo() throws {
        let scratch = ScratchFolder()
        let store = ["--store", scratch.path + "/s"]
        let chat = try CommandRunner.run("gesal", ["chat"] + store, input: "/help\n/frobnicate\n/quit\nnever asked\n", cwd: Self.root)
        #expect(chat.status == 0 && chat.stderr.contains("/rate N") && chat.stderr.contains("/frobnicate is not a chat command"), "\(chat.stderr)")
        let log = try CommandRunner.run("gesal-log", ["log", "--json"] + store)
        #expect(!log.stdout.contains("InteractionRecorded"), "no line of that chat was a prompt: \(log.stdout.prefix(300))")
        let missing = try CommandRunner.run("gesal", ["feedback", "1", "-2", "--store", scratch.path + "/none"], cwd: Self.root)
        #expect(missing.status == 64 && missing.stderr.contains("no GESAL history") && !missing.stderr.contains("Unknown option"), "\(missing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/none"), "feedback creates no store")
    }

    @Test func helpExamplesAreWrappedOnce() throws {
        let verbs: [(String, [String])] = [("gesal", []), ("gesal", ["ask"]), ("gesal", ["feedback"]), ("gesal", ["init"]), ("gesal", ["generate"]),
                                           ("gesal", ["embed"]), ("gesal", ["demo"]), ("gesal", ["learn"]), ("gesal", ["seal", "train"]), ("gesal-log", []), ("gesal-log", ["import"]),
                                           ("gesal-log", ["reindex"]), ("gesal-log", ["verify"]), ("gesal-log", ["rollback"]),
                                           ("gesal", ["eval"]), ("gesal-log", ["bisect"]), ("gesal-log", ["curve"]),
                                           ("gesal-log", ["trigger"]), ("gesal-log", ["sign"]), ("gesal-log", ["keygen"]), ("gesal-log", ["copy"])]
        for (tool, verb) in verbs {
            let help = try CommandRunner.run(tool, verb + ["--help"]).stdout
            let discussion = help.components(separatedBy: "USAGE:")[0].split(separator: "\n", omittingEmptySubsequences: false)
            // After an "Example(s):" line, every line up to the next blank one is an indented example.
            var inExamples = false
            for line in discussion {
                if line.hasPrefix("Example") { inExamples = true; continue }
                if line.isEmpty { inExamples = false }
                if inExamples { #expect(line.hasPrefix("  "), "\(tool) \(verb): an example line was wrapped: '\(line)'") }
            }
            #expect(!help.contains("(default: $GESAL"), "\(tool) \(verb): one default per option")
        }
    }

    /// Hostile values for numeric options and arguments.
    static let hostile = ["nan", "inf", "-inf", "-1", "0", "1e30", "-1e30", "99999999999999999999", "1e-45", "abc", "", "0x10", "3.5", "-0"]

    @Test func randomValuesAtEveryNumericOptionNeverCrash() throws {
        let scratch = ScratchFolder()
        let store = scratch.path + "/s"
        #expect(try CommandRunner.run("gesal-log", ["import", "-", "--store", store], input: Self.history).status == 0)
        let noModel = ["--model", "/nonexistent.gguf", "--store", store]
        let options: [(tool: String, verb: [String], option: String, rest: [String])] = [
            ("gesal", ["init"], "--similarity-threshold", noModel), ("gesal", ["init"], "--buffer-size", noModel),
            ("gesal", ["init"], "--learning-rate", noModel), ("gesal", ["init"], "--kl-weight", noModel),
            ("gesal", ["init"], "--guard-tolerance", noModel), ("gesal", ["init"], "--negative-weight", noModel),
            ("gesal", ["init"], "--update-steps", noModel), ("gesal", ["init"], "--max-tokens", noModel),
            ("gesal", ["init"], "--learning-tokens", noModel), ("gesal", ["init"], "--seed", noModel), ("gesal", ["init"], "--threads", noModel),
            ("gesal", ["generate", "hi"], "--temperature", noModel), ("gesal", ["generate", "hi"], "--top-k", noModel),
            ("gesal", ["generate", "hi"], "--top-p", noModel), ("gesal", ["generate", "hi"], "--repetition-penalty", noModel),
            ("gesal", ["generate", "hi"], "--max-tokens", noModel), ("gesal", ["generate", "hi"], "--seed", noModel),
            ("gesal", ["ask", "hi"], "--threads", noModel),
            ("gesal", ["demo"], "--items", noModel), ("gesal", ["demo"], "--passes", noModel), ("gesal", ["demo"], "--attempts", noModel),
            ("gesal", ["demo"], "--learning-rate", noModel), ("gesal", ["demo"], "--similarity-threshold", noModel),
            ("gesal", ["demo"], "--max-tokens", noModel),
            ("gesal-log", ["replay"], "--to", ["--store", store]), ("gesal-log", ["reset"], "--to", ["--store", store]),
            ("gesal-log", ["rollback"], "--to", ["--store", store]), ("gesal-log", ["log"], "--limit", ["--store", store]),
            ("gesal-log", ["log"], "--from", ["--store", store]),
        ]
        var random = SystemRandomNumberGenerator()
        var runs = 0
        for entry in options {
            for value in Self.hostile.shuffled(using: &random).prefix(4) {
                let result = try CommandRunner.run(entry.tool, entry.verb + ["\(entry.option)=\(value)"] + entry.rest, cwd: Self.root)
                runs += 1
                #expect([0, 1, 64].contains(result.status) && !result.stderr.contains("Fatal error"),
                        "\(entry.tool) \(entry.verb) \(entry.option)=\(value): status \(result.status) \(result.stderr.prefix(300))")
            }
        }
        for value in Self.hostile {
            let result = try CommandRunner.run("gesal", ["feedback", value, value] + noModel, cwd: Self.root)
            #expect([1, 64].contains(result.status) && !result.stderr.contains("Fatal error"), "feedback \(value) \(value): \(result.stderr.prefix(300))")
        }
        #expect(runs == options.count * 4)
    }
}
