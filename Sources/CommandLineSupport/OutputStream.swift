import ArgumentParser
import Foundation
import Glibc

/// Writes `data` to `handle`; when the reader has gone away (`gesal-log export | head`),
/// stops the command quietly with exit status 0, as `git log | head` does, instead of
/// trapping in Foundation's non-throwing `write`. Other write errors are reported.
public func write(_ data: Data, to handle: FileHandle) throws {
    do {
        try handle.write(contentsOf: data)
    } catch let error as NSError {
        let posix = (error.userInfo[NSUnderlyingErrorKey] as? NSError) ?? error
        if posix.domain == NSPOSIXErrorDomain && posix.code == Int(EPIPE) { throw ExitCode.success }
        throw ValidationError("cannot write the output: \(error.localizedDescription)")
    }
}

/// `write(_:to:)` to standard output.
public func writeStandardOutput(_ text: String) throws {
    try write(Data(text.utf8), to: .standardOutput)
}
