/// What the engine refuses.
public struct EngineError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case corruptEvent, unsupportedEvent, inconsistent, corruptSnapshot
        /// A request the state cannot satisfy: an unknown interaction, node or sequence.
        case invalidRequest
        /// The store was made with another model, thread count or kernel set than this run.
        case mismatch
        /// Reading or writing the store failed.
        case storage
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
