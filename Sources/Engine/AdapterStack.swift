import Adaptation
import GESAL
import Models

/// The adapters an answer runs with: its node's (SVF vectors, perhaps an imported LoRA) and
/// the cluster LoRA SAGE's pool routed it to, stacked (`AdapterSet.stacking`). Answers are
/// grouped, cached and merged by it.
public struct AdapterStack: Sendable, Hashable {
    public var node: String?
    public var cluster: String?

    public init(node: String? = nil, cluster: String? = nil) {
        self.node = node
        self.cluster = cluster
    }

    public var isBase: Bool { node == nil && cluster == nil }

    /// One string naming the stack, for caches keyed by adapter: the node's blob alone (as
    /// before the pool), or both blobs joined.
    public var key: String? {
        guard let cluster else { return node }
        return (node ?? "base") + "+" + cluster
    }
}

extension AnswerPlan {
    public var stack: AdapterStack { AdapterStack(node: adapter, cluster: clusterAdapter?.adapter) }
}

extension EngineModels {
    /// The chat model with `stack` merged in; `blob` reads a stored blob by its hex hash.
    public func adapted(_ stack: AdapterStack, blob: (String) throws -> [UInt8]) throws -> LanguageModel {
        guard !stack.isBase else { return language }
        var adapters = try stack.node.map { try AdapterCodec.decodeAdapters(try blob($0)) } ?? AdapterSet()
        if let cluster = stack.cluster { adapters = adapters.stacking(try AdapterCodec.decodeAdapters(try blob(cluster))) }
        return language.adapted(adapters, bases: try bases())
    }
}
