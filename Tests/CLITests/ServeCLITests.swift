import Foundation
import Testing

/// `gesal serve` as users run it: a real process on a loopback port, driven by OpenAI's own
/// Python client (scripts/openai-client-test.py, with a bounded load test), stopped with
/// SIGTERM, and then checked against the log: `gesal-log replay` must give the hash the
/// server reported. The test script installs the `openai` package and sets
/// GESAL_REQUIRE_PYTHON_ORACLES=1, so there the test never skips.
@Suite(.serialized) struct ServeCLITests {
    static let root = EngineCLITests.root

    static let openAIReady: Bool = ProcessInfo.processInfo.environment["GESAL_REQUIRE_PYTHON_ORACLES"] == "1"
        || ((try? CommandRunner.run("/usr/bin/env", ["python3", "-c", "import openai"]).status) == 0)

    /// Starts `gesal serve` and waits for the line that names its port.
    static func startServer(_ arguments: [String]) throws -> (Process, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandRunner.binaries + "/gesal")
        process.arguments = ["serve", "--port", "0"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: root)
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.standardError
        try process.run()
        var seen = ""
        while true {
            let data = out.fileHandleForReading.availableData
            guard !data.isEmpty else { break }
            seen += String(decoding: data, as: UTF8.self)
            if let match = seen.firstMatch(of: /listening on (http:\/\/[0-9.]+:[0-9]+)/) { return (process, String(match.1)) }
        }
        process.waitUntilExit()
        throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "gesal serve exited (\(process.terminationStatus)) before listening: \(seen)"])
    }

    @Test(.enabled(if: openAIReady, "the openai Python package is missing (./scripts/test.sh installs it)"))
    func openAIsClientAgainstARunningServerAndTheReplayHashAfter() throws {
        let scratch = ScratchFolder()
        let store = ["--store", scratch.path + "/s"]
        let created = try CommandRunner.run("gesal", ["init", "--max-tokens", "12"] + store, cwd: Self.root)
        #expect(created.status == 0, "\(created.stderr)")
        let (server, url) = try Self.startServer(store)
        let client = try CommandRunner.run("/usr/bin/env", ["python3", Self.root + "/scripts/openai-client-test.py", url, "--clients", "4", "--requests", "2"])
        server.terminate()  // SIGTERM: finish what is in flight, then exit 0
        server.waitUntilExit()
        #expect(client.status == 0, "\(client.stdout)\n\(client.stderr)")
        #expect(server.terminationStatus == 0)
        let summary = try #require(client.stdout.split(separator: "\n").last.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] },
                                   "the client's last line is its JSON summary: \(client.stdout)")
        let replay = try CommandRunner.run("gesal-log", ["replay"] + store)
        let hash = try #require(summary["state_hash"] as? String)
        #expect(EngineCLITests.value("state_hash", in: replay.stdout) == hash, "\(replay.stdout)")
        let interactions = try #require(summary["interactions"] as? Int)
        #expect(EngineCLITests.value("interactions", in: replay.stdout) == String(interactions))
    }

    @Test func beyondLoopbackEveryRouteButHealthNeedsTheKey() throws {
        let scratch = ScratchFolder()
        let keyFile = scratch.path + "/key"
        try "a-key-of-sixteen-chars-or-more\n".write(toFile: keyFile, atomically: true, encoding: .utf8)
        let store = ["--store", scratch.path + "/s"]
        #expect(try CommandRunner.run("gesal", ["init", "--max-tokens", "8"] + store, cwd: Self.root).status == 0)
        let (server, url) = try Self.startServer(["--host", "0.0.0.0", "--api-key-file", keyFile] + store)
        defer { server.terminate(); server.waitUntilExit() }
        let port = url.split(separator: ":").last!
        let statuses = try CommandRunner.run("/usr/bin/env", ["python3", "-c", """
            import sys, urllib.request, urllib.error
            def status(path, key=None):
                request = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}{path}", headers={"authorization": f"Bearer {key}"} if key else {})
                try:
                    return urllib.request.urlopen(request, timeout=60).status
                except urllib.error.HTTPError as error:
                    return error.code
            print(status("/v1/models"), status("/v1/models", "wrong-key-of-sixteen"), status("/v1/models", "a-key-of-sixteen-chars-or-more"), status("/health"))
            """, String(port)])
        #expect(statuses.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "401 401 200 200", "\(statuses.stdout) \(statuses.stderr)")
    }

    @Test func sigtermFinishesTheRequestsInFlightAndLosesNoneOfThem() throws {
        let scratch = ScratchFolder()
        let store = ["--store", scratch.path + "/s"]
        #expect(try CommandRunner.run("gesal", ["init", "--max-tokens", "12"] + store, cwd: Self.root).status == 0)
        let (server, url) = try Self.startServer(store)
        // Four requests at once; SIGTERM as soon as the first is answered, while the others
        // wait for the engine. Each must still be answered, and each answer be in the log.
        let client = try CommandRunner.run("/usr/bin/env", ["python3", "-c", """
            import json, os, signal, sys, threading, urllib.request
            base, pid = sys.argv[1], int(sys.argv[2])
            ids, first = [], threading.Event()
            def ask(k):
                body = json.dumps({"messages": [{"role": "user", "content": f"What is {k} + 5? Answer with a number."}]}).encode()
                request = urllib.request.Request(base + "/v1/chat/completions", data=body, headers={"content-type": "application/json"})
                with urllib.request.urlopen(request, timeout=300) as response:
                    ids.append(json.loads(response.read())["gesal"]["interaction"])
                first.set()
            threads = [threading.Thread(target=ask, args=(k,)) for k in range(4)]
            for t in threads: t.start()
            first.wait(300)
            os.kill(pid, signal.SIGTERM)
            for t in threads: t.join()
            print(len(ids), max(ids))
            """, url, String(server.processIdentifier)])
        server.waitUntilExit()
        #expect(client.status == 0, "\(client.stderr)")
        #expect(client.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "4 4", "\(client.stdout)")
        #expect(server.terminationStatus == 0)
        let replay = try CommandRunner.run("gesal-log", ["replay"] + store)
        #expect(EngineCLITests.value("interactions", in: replay.stdout) == "4", "\(replay.stdout)")
    }

    @Test func bindingBeyondLoopbackWithoutAKeyIsRefused() throws {
        let result = try CommandRunner.run("gesal", ["serve", "--host", "0.0.0.0", "--store", "/nonexistent"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--api-key-file"), "\(result.stderr)")
    }

    @Test func aShortKeyFileIsRefused() throws {
        let scratch = ScratchFolder()
        let keyFile = scratch.path + "/key"
        try "short\n".write(toFile: keyFile, atomically: true, encoding: .utf8)
        let result = try CommandRunner.run("gesal", ["serve", "--host", "0.0.0.0", "--api-key-file", keyFile, "--store", scratch.path + "/s"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("at least 16 characters"), "\(result.stderr)")
    }
}
