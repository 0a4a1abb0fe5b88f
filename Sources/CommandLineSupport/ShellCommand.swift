import ArgumentParser
import Foundation

/// A user's shell command, run as a test (`gesal-log bisect --command`): `/bin/sh -c CMD`
/// with extra environment variables. Its output goes to standard error, so that ours on
/// standard output stays readable by scripts.
public enum ShellCommand {
    /// The command's exit status (128 + N when signal N ended it).
    public static func run(_ command: String, environment: [String: String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle.standardError
        process.standardError = FileHandle.standardError
        do { try process.run() } catch {
            throw ValidationError("could not start /bin/sh to run '\(command)': \(error)")
        }
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }
}
