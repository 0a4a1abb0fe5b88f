import Adaptation
import GESAL
import Models

/// The adapters an answer runs with, in the order they apply (docs/transformer2.md): the
/// expert dispatch chose scales the singular values, its node's SVF vectors scale those (and
/// its imported LoRA, if any, adds), then the cluster LoRA SAGE's pool routed it to and SEAL's
/// knowledge LoRA add on top, in that order (`AdapterSet.stacking`). Answers are grouped,
/// cached and merged by it.
public struct AdapterStack: Sendable, Hashable {
    public var node: String?
    public var cluster: String?
    public var expert: String?
    public var knowledge: String?

    public init(node: String? = nil, cluster: String? = nil, expert: String? = nil, knowledge: String? = nil) {
        self.node = node
        self.cluster = cluster
        self.expert = expert
        self.knowledge = knowledge
    }

    public var isBase: Bool { node == nil && cluster == nil && expert == nil && knowledge == nil }

    /// One string naming the stack, for caches keyed by adapter: the node's blob alone (as
    /// before the pool, the library and the knowledge adapter), or the blobs joined.
    public var key: String? {
        guard cluster != nil || expert != nil || knowledge != nil else { return node }
        return (expert.map { $0 + ">" } ?? "") + (node ?? "base") + (cluster.map { "+" + $0 } ?? "") + (knowledge.map { "&" + $0 } ?? "")
    }
}

extension AnswerPlan {
    public var stack: AdapterStack { AdapterStack(node: adapter, cluster: clusterAdapter?.adapter, expert: expert?.adapter, knowledge: knowledge) }
}

extension EngineModels {
    /// The chat model with `stack` merged in; `blob` reads a stored blob by its hex hash.
    public func adapted(_ stack: AdapterStack, blob: (String) throws -> [UInt8]) throws -> LanguageModel {
        guard !stack.isBase else { return language }
        var adapters = try stack.node.map { try AdapterCodec.decodeAdapters(try blob($0)) } ?? AdapterSet()
        if let cluster = stack.cluster { adapters = adapters.stacking(try AdapterCodec.decodeAdapters(try blob(cluster))) }
        if let knowledge = stack.knowledge { adapters = adapters.stacking(try AdapterCodec.decodeAdapters(try blob(knowledge))) }
        guard let expert = stack.expert else { return language.adapted(adapters, bases: try bases()) }
        let scales = try AdapterCodec.decodeAdapters(try blob(expert))
        return language.adapted(adapters.covering(scales), bases: AdapterSet.bases(try bases(), scaledBy: scales))
    }
}
