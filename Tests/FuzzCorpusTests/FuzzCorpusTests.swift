import Foundation
import FuzzTargets
import Testing

/// The committed fuzzing corpora, replayed through the same targets libFuzzer runs
/// (scripts/fuzz.sh). A crash here is a regression of a fixed finding (`crash-*` inputs) or a
/// new one; a `seed-*` input that stops being accepted means the target no longer reaches the
/// code behind the parser, and the fuzzer would be exploring a wall.
@Suite struct FuzzCorpusTests {
    static let corpora = Bundle.module.resourcePath! + "/Corpora"

    static func inputs(_ target: FuzzTarget) throws -> [(name: String, bytes: [UInt8])] {
        let folder = corpora + "/" + target.rawValue
        return try FileManager.default.contentsOfDirectory(atPath: folder).sorted().compactMap { name in
            FileManager.default.contents(atPath: folder + "/" + name).map { (name, Array($0)) }
        }
    }

    @Test(arguments: FuzzTarget.allCases)
    func everyTargetHasSeeds(_ target: FuzzTarget) throws {
        #expect(try Self.inputs(target).contains { $0.name.hasPrefix("seed-") })
    }

    @Test(arguments: FuzzTarget.allCases)
    func everySeedIsAccepted(_ target: FuzzTarget) throws {
        for input in try Self.inputs(target) where input.name.hasPrefix("seed-") {
            #expect(target.run(input.bytes) == .accepted, "\(target.rawValue)/\(input.name)")
        }
    }

    /// Every input replays without stopping the process; the count keeps the test honest about
    /// having run something.
    @Test(arguments: FuzzTarget.allCases)
    func theWholeCorpusReplays(_ target: FuzzTarget) throws {
        let inputs = try Self.inputs(target)
        var outcomes: [FuzzOutcome] = []
        for input in inputs { outcomes.append(target.run(input.bytes)) }
        #expect(outcomes.count == inputs.count && !inputs.isEmpty)
    }
}

extension FuzzTarget: CustomTestStringConvertible {
    public var testDescription: String { rawValue }
}

/// A fuzzing run that stops on a finding leaves its scratch folder; the next run clears those
/// of ended processes and nothing else.
@Suite struct ScratchFolderTests {
    @Test func foldersOfEndedProcessesAreRemovedAndOthersKept() throws {
        let base = NSTemporaryDirectory() + "/scratch-folder-test-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: base) }
        let ended = base + "/gesal-fuzz-2147483646"  // above any pid_max Linux allows
        let alive = base + "/gesal-fuzz-\(getpid())"
        let other = base + "/gesal-fuzz-notapid"
        for folder in [ended, alive, other] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        ScratchFolder.removeFoldersOfEndedProcesses(in: base)
        #expect(!FileManager.default.fileExists(atPath: ended))
        #expect(FileManager.default.fileExists(atPath: alive))
        #expect(FileManager.default.fileExists(atPath: other))
    }
}
