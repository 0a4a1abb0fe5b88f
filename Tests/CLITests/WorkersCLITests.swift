import Foundation
import Testing
import TestSupport

/// Three `gesal serve` workers on one PostgreSQL store, driven by concurrent clients
/// (scripts/workers-test.py: answers on one worker, feedback on another), one of them killed
/// with SIGKILL halfway. Afterwards every answer and feedback a worker acknowledged is in the
/// log, every worker (the killed one restarted) reports the same state hash, and
/// `gesal-log replay` of the store gives it too.
@Suite(.serialized, .enabled(if: PostgresFixture.enabled, "needs the throwaway PostgreSQL cluster of scripts/test.sh"))
struct WorkersCLITests {
    /// `GET` each path on `base` with Python's urllib (the oracle of what a client sees).
    static func get(_ base: String, _ paths: [String]) throws -> [[String: Any]] {
        let script = """
            import json, sys, urllib.request
            print(json.dumps([json.loads(urllib.request.urlopen(sys.argv[1] + p, timeout=300).read()) for p in sys.argv[2:]]))
            """
        let result = try CommandRunner.run("/usr/bin/env", ["python3", "-c", script, base] + paths)
        guard result.status == 0, let list = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] else {
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "GET \(paths) on \(base): \(result.stderr)"])
        }
        return list
    }

    @Test func threeWorkersOneKilledLoseNothingAndAgree() throws {
        let url = try PostgresFixture.freshDatabase()
        defer { PostgresFixture.drop(url) }
        let store = ["--store", url]
        let created = try CommandRunner.run("gesal", ["init", "--max-tokens", "6"] + store, cwd: ServeCLITests.root)
        #expect(created.status == 0, "\(created.stderr)")
        #expect(!created.stderr.contains(url), "the URL's password is never printed")
        var workers = try (0..<3).map { _ in try ServeCLITests.startServer(store) }
        defer { for (process, _) in workers where process.isRunning { process.terminate(); process.waitUntilExit() } }

        let drive = try CommandRunner.run("/usr/bin/env", ["python3", ServeCLITests.root + "/scripts/workers-test.py", "--kill", String(workers[2].0.processIdentifier),
                                                           "--clients", "3", "--requests", "4"] + workers.map(\.1))
        #expect(drive.status == 0, "\(drive.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(drive.stdout.utf8)) as? [String: Any], "\(drive.stdout)")
        let answers = try #require(report["answers"] as? [[String: Any]]), feedback = try #require(report["feedback"] as? [[String: Any]])
        #expect(report["killed"] as? Bool == true)
        #expect(answers.count >= 6 && feedback.count >= 6, "\(report)")
        workers[2].0.waitUntilExit()
        workers[2] = try ServeCLITests.startServer(store)

        // The restarted worker hears of an answer another worker records (LISTEN), with no
        // request of its own: its followed-events counter moves within a few seconds.
        let heard = try CommandRunner.run("/usr/bin/env", ["python3", "-c", """
            import json, sys, time, urllib.request
            def followed():
                text = urllib.request.urlopen(sys.argv[2] + "/metrics", timeout=60).read().decode()
                return int(next(l.split()[1] for l in text.splitlines() if l.startswith("gesal_log_events_followed_total")))
            before = followed()
            body = json.dumps({"model": "gesal", "max_tokens": 4, "messages": [{"role": "user", "content": "one more"}]}).encode()
            urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/v1/chat/completions", data=body, headers={"content-type": "application/json"}), timeout=300).read()
            deadline = time.time() + 10
            while followed() == before and time.time() < deadline: time.sleep(0.05)
            print(followed() - before)
            """, workers[0].1, workers[2].1])
        #expect(Int(heard.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 >= 2, "\(heard.stdout)\(heard.stderr)")

        // Every acknowledged answer and feedback is there, as acknowledged.
        let recorded = try Self.get(workers[0].1, answers.map { "/v1/interactions/\($0["interaction"] as! Int)" })
        for (answer, found) in zip(answers, recorded) {
            #expect(found["response"] as? String == answer["text"] as? String, "interaction \(answer["interaction"]!)")
        }
        let ids = Set(answers.map { $0["interaction"] as! Int })
        #expect(ids.count == answers.count, "no two answers share an interaction number")
        for given in feedback {
            let interaction = given["interaction"] as! Int
            let rewards = try Self.get(workers[1].1, ["/v1/interactions/\(interaction)"])[0]["rewards"] as? [Double] ?? []
            #expect(rewards.contains(given["reward"] as! Double), "feedback on \(interaction)")
        }
        let hashes = try workers.map { try Self.get($0.1, ["/health"])[0]["state_hash"] as? String }
        #expect(Set(hashes).count == 1 && hashes[0] != nil, "\(hashes)")
        let replay = try CommandRunner.run("gesal-log", ["replay"] + store)
        #expect(EngineCLITests.value("state_hash", in: replay.stdout) == hashes[0], "\(replay.stdout)\(replay.stderr)")
    }
}
