import Tensor

/// Where a prompt goes in the graph memory: to the most similar node by cosine, or to a new
/// node when even the best is below the threshold. Pure: the engine routes live with it, and a
/// rollback re-routes recorded embeddings with it, without the embedder.
public enum Routing {
    public enum Route: Sendable, Equatable {
        /// Join `node`; its centroid becomes `centroid` (the running mean) and its count `count`.
        case existing(node: Int, similarity: Float, centroid: [Float], count: Int)
        /// Start node `node`; `nearest` is the best existing node, if any, at `similarity`.
        case new(node: Int, nearest: Int?, similarity: Float?)

        public var node: Int {
            switch self {
            case .existing(let node, _, _, _), .new(let node, _, _): node
            }
        }
    }

    public static func route(_ embedding: [Float], in state: EngineState, threshold: Float) -> Route {
        var best: (node: Int, similarity: Float)?
        for id in state.nodes.keys.sorted() {
            let similarity = Ops.cosine(embedding, state.nodes[id]!.centroid)
            if best == nil || similarity > best!.similarity { best = (id, similarity) }  // ties keep the lower id
        }
        guard let best, best.similarity >= threshold else {
            return .new(node: state.nextNode, nearest: best?.node, similarity: best?.similarity)
        }
        let node = state.nodes[best.node]!
        let count = node.count + 1
        let centroid = zip(node.centroid, embedding).map { c, e in c + (e - c) / Float(count) }
        return .existing(node: best.node, similarity: best.similarity, centroid: centroid, count: count)
    }
}
