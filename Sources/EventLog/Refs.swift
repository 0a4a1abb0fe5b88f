/// Where a branch points: a line (a folder of segments) and, optionally, a head inside that
/// line's visible history. Without a head the branch follows its line's tip and is the one
/// branch that appends to that line in place.
public struct BranchRef: Codable, Sendable, Equatable {
    public var line: Int
    public var head: UInt64?

    public init(line: Int, head: UInt64? = nil) {
        self.line = line
        self.head = head
    }
}

/// `refs.json`: every branch's ref. Replaced atomically; the reflog keeps its history.
struct Refs: Codable, Sendable, Equatable {
    static let fileName = "refs.json"
    var branches: [String: BranchRef]
}

/// `lines/NNNNNN/line.json`: a line's ancestry. A line holds the records after `fork` of the
/// branch that created it; the records up to `fork` are read from `parent` (no copying).
public struct LineInfo: Codable, Sendable, Equatable {
    static let fileName = "line.json"
    public var id: Int
    public var parent: Int?
    public var fork: UInt64
    /// The branch that created the line and alone may append to it in place.
    public var owner: String

    public init(id: Int, parent: Int?, fork: UInt64, owner: String) {
        self.id = id
        self.parent = parent
        self.fork = fork
        self.owner = owner
    }
}

/// One line of `reflog.jsonl`: a change of a branch's ref, enough to undo it.
public struct ReflogEntry: Codable, Sendable, Equatable {
    public enum Action: String, Codable, Sendable {
        case create, reset, undo
        /// A branch appended after its head had been moved back, so its new records went to a
        /// new line forked at that head. Its visible history did not change.
        case fork
    }

    /// Wall-clock time of the change, ISO 8601.
    public var time: String
    public var branch: String
    public var action: Action
    public var old: BranchRef?
    public var new: BranchRef
    /// The branch's head sequence before and after, for people reading the reflog.
    public var oldHead: UInt64?
    public var newHead: UInt64
    public var message: String

    static let fileName = "reflog.jsonl"

    public init(time: String, branch: String, action: Action, old: BranchRef?, new: BranchRef, oldHead: UInt64?, newHead: UInt64, message: String) {
        self.time = time
        self.branch = branch
        self.action = action
        self.old = old
        self.new = new
        self.oldHead = oldHead
        self.newHead = newHead
        self.message = message
    }
}

/// Branch names: letters, digits, `-`, `_`, `.`, 1 to 64 characters, not starting with `.`.
public func validateBranchName(_ name: String) throws(LogError) {
    let allowed = name.utf8.allSatisfy { byte in
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
    }
    guard allowed, !name.isEmpty, name.utf8.count <= 64, !name.hasPrefix(".") else {
        throw LogError(.invalidArgument, "invalid branch name '\(name)': use 1 to 64 letters, digits, '-', '_' or '.', not starting with '.'")
    }
}
