import EventLog
import Foundation
import GESAL
import Testing

@Suite struct GesalLogCLITests {
    private func log(_ arguments: String..., input: String? = nil) throws -> CommandResult {
        try CommandRunner.run("gesal-log", arguments, input: input)
    }

    private func events(_ count: Int) -> String {
        (1...count).map { #"{"kind":"event","type":"Note","payload":"note \#($0)"}"# }.joined(separator: "\n") + "\n"
    }

    @Test func initImportLogVerifyStats() throws {
        let scratch = ScratchFolder()
        let store = scratch.path + "/s"
        #expect(try log("init", "--store", store, "--durability", "interval:20").status == 0)
        let imported = try log("import", "-", "--store", store, input: events(25))
        #expect(imported.status == 0 && imported.stdout.contains("imported 25 events"))

        let listing = try log("log", "--store", store, "--from", "24")
        #expect(listing.status == 0)
        #expect(listing.stdout.contains("note 24") && listing.stdout.contains("note 25") && !listing.stdout.contains("note 23"))

        let json = try log("log", "--store", store, "--json", "--limit", "2")
        let lines = json.stdout.split(separator: "\n")
        #expect(lines.count == 2 && lines[0].contains(#""seq":1"#) && lines[0].contains(#""payload":"note 1""#))

        let verify = try log("verify", "--store", store)
        #expect(verify.status == 0 && verify.stdout.contains("events=25") && verify.stdout.contains("ok:"))

        let stats = try log("stats", "--store", store)
        #expect(stats.stdout.contains("events=25") && stats.stdout.contains("compression_ratio="))
    }

    /// `gesal-log export | head` where SIGPIPE is ignored: the reader leaves early, the write
    /// fails with EPIPE, and the export stops quietly (exit 0) instead of trapping.
    @Test func anExportWhoseReaderLeavesStopsQuietly() throws {
        let scratch = ScratchFolder()
        let store = scratch.path + "/s"
        _ = try log("import", "-", "--store", store, input: events(3000))
        let piped = try CommandRunner.run("/usr/bin/env", ["python3", "-c", """
            import subprocess, sys
            # restore_signals=False: the child inherits Python's ignored SIGPIPE, so its write gets EPIPE
            p = subprocess.Popen([sys.argv[1], "export", "events", "--store", sys.argv[2]], stdout=subprocess.PIPE, stderr=subprocess.PIPE, restore_signals=False)
            p.stdout.read(100); p.stdout.close()
            err = p.stderr.read().decode(); p.wait()
            print(p.returncode, "crashed" in err or "Fatal error" in err)
            """, CommandRunner.binaries + "/gesal-log", store])
        #expect(piped.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0 False", "\(piped.stdout)\(piped.stderr)")
    }

    @Test func branchesResetsAndTheReflog() throws {
        let scratch = ScratchFolder()
        let store = scratch.path + "/s"
        _ = try log("import", "-", "--store", store, input: events(10))
        #expect(try log("branch", "create", "exp", "--from", "4", "--store", store).status == 0)
        let list = try log("branch", "list", "--store", store)
        #expect(list.stdout.contains("exp\thead=4") && list.stdout.contains("main\thead=10"))
        #expect(try log("reset", "--to", "7", "--store", store).stdout.contains("head 10 -> 7"))
        #expect(try log("reset", "--undo", "--store", store).stdout.contains("head 7 -> 10"))
        let reflog = try log("reflog", "--store", store)
        #expect(reflog.stdout.contains("reset") && reflog.stdout.contains("undo"))
    }

    @Test func badRequestsFailClearlyAndChangeNothing() throws {
        let scratch = ScratchFolder()
        let store = scratch.path + "/s"
        _ = try log("import", "-", "--store", store, input: events(3))
        _ = try log("branch", "create", "exp", "--store", store)
        let refs = FileManager.default.contents(atPath: store + "/refs.json")

        let cases: [([String], String)] = [
            (["branch", "create", "exp", "--store", store], "already exists"),
            (["branch", "create", "late", "--from", "99", "--store", store], "past the head"),
            (["reset", "--to", "99", "--store", store], "past what branch 'main' can reach"),
            (["log", "--branch", "ghost", "--store", store], "no branch named 'ghost'"),
            (["log", "--store", scratch.path + "/nowhere"], "no store here"),
            (["reset", "--store", store], "exactly one of --to SEQ and --undo"),
        ]
        for (arguments, message) in cases {
            let result = try CommandRunner.run("gesal-log", arguments)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        #expect(FileManager.default.contents(atPath: store + "/refs.json") == refs)

        let badImport = try log("import", "-", "--store", store, input: events(2) + "{\"kind\":\"event\",\"type\":\"x\"}\n")
        #expect(badImport.status != 0 && badImport.stderr.contains("line 3"))
        #expect(try LogStore(at: store).head(of: "main") == 3, "a bad import file appends nothing")
    }

    @Test func damagedFilesAreNamedWithTheirOffsetAndLeftUntouched() throws {
        let scratch = ScratchFolder()
        let store = scratch.path + "/s"
        _ = try log("import", "-", "--store", store, input: events(20))
        let segment = store + "/lines/000001/00000000000000000001.seg"
        let original = try Data(contentsOf: URL(fileURLWithPath: segment))

        // A flipped bit, a truncated tail, and a foreign file in the segment's place.
        var flipped = original
        flipped[200] ^= 0x04
        let damages: [(String, Data)] = [("bit flip", flipped), ("truncation", original.prefix(original.count - 9)),
                                         ("foreign file", Data("not a segment, just some text that is long enough".utf8))]
        for (name, bytes) in damages {
            try bytes.write(to: URL(fileURLWithPath: segment))
            for verb in ["verify", "log"] {
                let result = try log(verb, "--store", store)
                #expect(result.status != 0, "\(name) via \(verb)")
                let text = result.stdout + result.stderr
                #expect(text.contains(segment) && text.contains("at offset"), "\(name) via \(verb): \(text)")
                #expect(try Data(contentsOf: URL(fileURLWithPath: segment)) == bytes, "\(name): \(verb) changed the file")
            }
        }
    }

    @Test func exportAndImportRoundTripByteForByteWithBlobs() throws {
        let scratch = ScratchFolder()
        let source = scratch.path + "/a"
        let writer = try LogWriter.create(at: source)
        let blob = try writer.putBlob(Array(repeating: 7, count: 5000) + [0, 1, 2])
        try writer.append([EventDraft(type: "Text", payload: Array("héllo 👋\n".utf8)),
                           EventDraft(type: "Binary", payload: [0, 0xFF, 0xC3, 0x28], blobs: [blob])])
        try writer.append([EventDraft(type: "Empty", payload: [])])
        try writer.close()

        let file = scratch.path + "/h.jsonl"
        #expect(try log("export", "--store", source, "--output", file).status == 0)
        #expect(try log("import", file, "--store", scratch.path + "/b").status == 0)
        let a = try LogStore(at: source), b = try LogStore(at: scratch.path + "/b")
        #expect(try a.events() == b.events())
        #expect(try b.blobs.get(blob) == a.blobs.get(blob))
        #expect(try log("verify", "--store", scratch.path + "/b").status == 0)
    }

    /// A binary payload (`BinaryPayload`) is listed as the JSON it stands for: the JSON an
    /// older build wrote for the same fact (the hand-written history's [1, 0] vector).
    @Test func logShowsABinaryPayloadAsTheJSONItStandsFor() throws {
        let scratch = ScratchFolder()
        let store = scratch.path + "/s"
        let writer = try LogWriter.create(at: store)
        try writer.append([try DomainEvent.nodeUpdated(NodeUpdated(node: 2, interaction: 7, centroid: Vector([1, 0]), count: 3)).draft()])
        try writer.close()
        let json = #"{"centroid":"AACAPwAAAAA=","count":3,"interaction":7,"node":2}"#
        let listed = try log("log", "--store", store)
        #expect(listed.status == 0 && listed.stdout.contains("NodeUpdated.v1") && listed.stdout.contains(json), "\(listed.stdout)")
        let line = try log("log", "--json", "--store", store).stdout
        let decoded = try JSONDecoder().decode(EventLineFields.self, from: Data(line.utf8))
        #expect(decoded.payload == nil && decoded.payload_base64 != nil && decoded.payload_json == json, "\(line)")
    }

    /// The export line's fields, read with Foundation's decoder.
    private struct EventLineFields: Decodable {
        var payload: String?
        var payload_base64: String?
        var payload_json: String?
    }

    @Test func stockLZ4DecodesASegmentsPayloads() throws {
        let scratch = ScratchFolder()
        let store = scratch.path + "/s"
        _ = try log("import", "-", "--store", store, input: events(30))
        let decoded = try CommandRunner.run("/usr/bin/lz4", ["-dc", store + "/lines/000001/00000000000000000001.seg"])
        #expect(decoded.status == 0, "\(decoded.stderr)")
        #expect(decoded.stdout == (1...30).map { "note \($0)" }.joined())
    }

    @Test func everyVerbHasHelpWithAnExample() throws {
        for verb in [["init"], ["log"], ["verify"], ["stats"], ["branch", "create"], ["branch", "list"], ["reset"],
                     ["reflog"], ["export"], ["import"], ["recover"]] {
            let help = try CommandRunner.run("gesal-log", verb + ["--help"])
            #expect(help.status == 0 && help.stdout.contains("--store") && help.stdout.contains("xample"), "\(verb)")
        }
    }
}
