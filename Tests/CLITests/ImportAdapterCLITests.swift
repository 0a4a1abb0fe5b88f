import Foundation
import Testing

/// `gesal import adapter` end to end: the PEFT fixture (scripts/make-peft-golden.py) into a
/// node, seen by audit and checked by `replay --reexecute`; an unknown node refused by name.
@Suite(.serialized) struct ImportAdapterCLITests {
    static let root = EngineCLITests.root
    static let adapter = root + "/Tests/EngineTests/Fixtures/peft-lora"

    static func askedStore(_ scratch: ScratchFolder) throws -> [String] {
        let store = ["--store", scratch.path + "/s"]
        #expect(try CommandRunner.run("gesal", ["init", "--max-tokens", "8"] + store, cwd: root).status == 0)
        #expect(try CommandRunner.run("gesal", ["ask", "What is 12 + 7? Answer with a number."] + store, cwd: root).status == 0)
        return store
    }

    @Test func aPEFTAdapterIsImportedAuditedAndReexecuted() throws {
        let scratch = ScratchFolder()
        let store = try Self.askedStore(scratch)
        let imported = try CommandRunner.run("gesal", ["import", "adapter", Self.adapter, "--node", "1"] + store, cwd: Self.root)
        #expect(imported.status == 0 && imported.stdout.contains("imported 3 LoRA matrices (rank 2) into node 1: adapter v1"),
                "\(imported.stdout) \(imported.stderr)")
        let audit = try CommandRunner.run("gesal-log", ["audit", "node", "1"] + store, cwd: Self.root)
        #expect(audit.status == 0 && audit.stdout.contains("AdapterImported.v1"), "\(audit.stdout) \(audit.stderr)")
        let replay = try CommandRunner.run("gesal-log", ["replay", "--reexecute"] + store, cwd: Self.root)
        #expect(replay.status == 0 && replay.stdout.contains("imports=1") && replay.stdout.contains("reproduced=1"), "\(replay.stdout) \(replay.stderr)")
    }

    @Test func anUnknownNodeIsRefusedByNameAndNothingIsWritten() throws {
        let scratch = ScratchFolder()
        let store = try Self.askedStore(scratch)
        let before = try CommandRunner.run("gesal-log", ["log"] + store, cwd: Self.root).stdout
        let refused = try CommandRunner.run("gesal", ["import", "adapter", Self.adapter, "--node", "5"] + store, cwd: Self.root)
        #expect(refused.status != 0 && refused.stderr.contains("no node 5") && refused.stderr.contains("it has nodes 1"), "\(refused.stderr)")
        #expect(try CommandRunner.run("gesal-log", ["log"] + store, cwd: Self.root).stdout == before)
    }

    @Test func aFolderWithoutAnAdapterIsRefusedWithItsPath() throws {
        let scratch = ScratchFolder()
        let store = try Self.askedStore(scratch)
        let refused = try CommandRunner.run("gesal", ["import", "adapter", scratch.path, "--node", "1"] + store, cwd: Self.root)
        #expect(refused.status != 0 && refused.stderr.contains(scratch.path + "/adapter_config.json"), "\(refused.stderr)")
    }
}
