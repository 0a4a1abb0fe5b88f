#if !FUZZING
import ArgumentParser
import CommandLineSupport
import Foundation
import FuzzTargets

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Feed files (or every file in folders) to one target; print what each did.",
        discussion: helpText("""
        Prints one line per input: `accepted` or `rejected: <the parser's error>`. A crash stops
        the process with the broken invariant's message, as it would under libFuzzer.

        Examples:
          gesal-fuzz run wordpiece vocab.txt
          gesal-fuzz run domain-events Tests/FuzzCorpusTests/Corpora/domain-events
        """))

    @Argument(help: ArgumentHelp("The target: \(FuzzTargetArgument.names).", valueName: "TARGET"))
    var target: FuzzTargetArgument

    @Argument(help: ArgumentHelp("Input files, or folders whose files are inputs.", valueName: "PATH"))
    var paths: [String]

    func run() throws {
        try reportingErrors {
            var inputs: [String] = []
            for path in paths {
                var isFolder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                    throw ValidationError("\(path): no such file or folder")
                }
                if isFolder.boolValue {
                    let names = try FileManager.default.contentsOfDirectory(atPath: path).filter { !$0.hasPrefix(".") }.sorted()
                    inputs += names.map { path + "/" + $0 }
                } else {
                    inputs.append(path)
                }
            }
            var accepted = 0
            for input in inputs {
                guard let bytes = FileManager.default.contents(atPath: input) else { throw ValidationError("\(input): cannot read") }
                switch target.value.run(Array(bytes)) {
                case .accepted:
                    accepted += 1
                    print("\(input): accepted")
                case .rejected(let reason):
                    print("\(input): rejected: \(reason.prefix(300))")
                }
            }
            print("inputs=\(inputs.count) accepted=\(accepted) rejected=\(inputs.count - accepted) crashes=0")
        }
    }
}

/// A target named on the command line.
struct FuzzTargetArgument: ExpressibleByArgument {
    let value: FuzzTarget
    static let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")

    init?(argument: String) {
        guard let target = FuzzTarget(rawValue: argument) else { return nil }
        value = target
    }
}
#endif
