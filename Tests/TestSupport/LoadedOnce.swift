import Testing

/// Something loaded once per test process that suites may need (a real model), kept as the
/// result of loading it: a suite that needs it is disabled with the reason when it is missing,
/// and every other suite in the process still runs.
public struct LoadedOnce<Value>: @unchecked Sendable {
    // Written once, by the static initialiser that makes it; read-only afterwards.
    private let result: Result<Value, any Error>
    private let what: String

    public init(_ what: String, _ load: () throws -> Value) {
        self.what = what
        result = Result { try load() }
    }

    /// Whether it loaded; use as `.enabled(if: x.available, x.missing)`.
    public var available: Bool { (try? result.get()) != nil }

    /// Why it did not, for the test report.
    public var missing: Comment {
        switch result {
        case .success: "has \(what)"
        case .failure(let error): "needs \(what) (run ./scripts/setup.sh): \(error)"
        }
    }

    /// The value; throws the load error when it is missing.
    public func get() throws -> Value { try result.get() }
}
