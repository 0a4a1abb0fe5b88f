/// The linear layers of a Llama block that adapters attach to.
public enum LinearKind: String, Sendable, CaseIterable, Codable, Comparable {
    case q, k, v, o, gate, up, down

    public static func < (a: LinearKind, b: LinearKind) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// One linear layer of a model: which block, which projection.
public struct LinearSite: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public var layer: Int
    public var kind: LinearKind

    public init(layer: Int, kind: LinearKind) {
        self.layer = layer
        self.kind = kind
    }

    public static func < (a: LinearSite, b: LinearSite) -> Bool { (a.layer, a.kind) < (b.layer, b.kind) }

    public var description: String { "blk.\(layer).\(kind.rawValue)" }
}
