import ArgumentParser

/// Runs a verb's body, turning any error into one clear line on standard error and exit
/// status 1 (instead of a stack of Swift error text). Argument errors and exits pass through
/// to ArgumentParser, which prints usage for them.
public func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch {
        throw reported(error)
    }
}

/// `reportingErrors` for verbs that run asynchronously (`gesal serve`).
public func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch {
        throw reported(error)
    }
}

/// What to throw on to ArgumentParser for `error`: its own errors as they are; anything else
/// printed as one line, and exit status 1.
private func reported(_ error: any Error) -> any Error {
    switch error {
    case is ExitCode, is ValidationError, is CleanExit:
        return error
    default:
        writeStandardError("error: \(error)\n")
        return ExitCode.failure
    }
}
