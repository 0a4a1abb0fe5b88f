import ArgumentParser

/// Runs a verb's body, turning any error into one clear line on standard error and exit
/// status 1 (instead of a stack of Swift error text). Argument errors and exits pass through
/// to ArgumentParser, which prints usage for them.
public func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch let error as ValidationError {
        throw error
    } catch let error as CleanExit {
        throw error
    } catch {
        writeStandardError("error: \(error)\n")
        throw ExitCode.failure
    }
}

/// `reportingErrors` for verbs that run asynchronously (`gesal serve`).
public func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ExitCode {
        throw error
    } catch let error as ValidationError {
        throw error
    } catch let error as CleanExit {
        throw error
    } catch {
        writeStandardError("error: \(error)\n")
        throw ExitCode.failure
    }
}
