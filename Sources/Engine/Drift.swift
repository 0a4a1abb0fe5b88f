import Adaptation
import EventLog
import Foundation
import GESAL
import Models

/// How far a state's adapters move the model on ordinary prose, away from anything taught:
/// the mean per-token KL(adapted ‖ base) of the next-token distributions over a fixed passage
/// (the opening of Verne's "In the Year 2889", shipped with reasoning-gym). A node's adapter
/// only answers prompts routed to it, so this is what a prompt would see if routing sent it to
/// the wrong node: the forgetting that the control set can only see through routing.
public struct DriftFigure: Sendable, Codable, Equatable {
    /// Prose tokens scored per adapter.
    public var tokens: Int
    /// Adapters in the state, and how many were measured (evenly spread over the nodes).
    public var adapters: Int
    public var measured: Int
    /// Mean and largest, over the measured adapters, of the mean per-token KL in nats.
    public var meanKL: Double
    public var maxKL: Double

    public init(tokens: Int, adapters: Int, measured: Int, meanKL: Double, maxKL: Double) {
        (self.tokens, self.adapters, self.measured, self.meanKL, self.maxKL) = (tokens, adapters, measured, meanKL, maxKL)
    }

    public var summary: String {
        String(format: "drift on %d prose tokens: mean KL %.4f nats/token (largest %.4f) over %d of %d adapters", tokens, meanKL, maxKL, measured, adapters)
    }
}

public enum Drift {
    /// The passage, as ./scripts/setup.sh unpacks it.
    public static let defaultPath = ".cache/models/reasoning_gym/data/in_the_year_2889.txt"
    /// Prose tokens and adapters measured by default: about a second per adapter on two cores.
    public static let defaultTokens = 256, defaultSample = 8

    /// The book's text after Project Gutenberg's header, with whitespace runs made single spaces.
    public static func prose(at path: String) throws -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw EngineError(.invalidRequest, "cannot read the drift passage \(path): run ./scripts/setup.sh to fetch reasoning-gym")
        }
        let body = text.range(of: "*** START OF").flatMap { start in text.range(of: "\n", range: start.upperBound..<text.endIndex) }
            .map { String(text[$0.upperBound...]) } ?? text
        return body.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// The figure for `state`'s adapters on the first `tokens` tokens of `text`; at most
    /// `sample` adapters are measured, spread evenly over the nodes' in id order and then SAGE's
    /// pool's (each measured alone).
    public static func measure(models: EngineModels, state: EngineState, blobs: any EventHistory, text: String,
                               tokens: Int = defaultTokens, sample: Int = defaultSample) throws -> DriftFigure {
        let adapters = state.nodes.keys.sorted().compactMap { state.nodes[$0]!.adapterBlob }
            + state.pool.adapters.keys.sorted().map { state.pool.adapters[$0]!.blob }
        let chosen = sample >= adapters.count ? adapters : (0..<sample).map { adapters[$0 * adapters.count / sample] }
        return try measure(models: models, adapters: chosen.map { blob in { try models.adapted(try blobs.blob(hex: blob)) } }, of: adapters.count,
                           text: text, tokens: tokens)
    }

    /// The figure for the adapted models `adapters` makes (the measured ones among `total`
    /// adapters), each against the base model, on the first `tokens` tokens of `text`. Each
    /// is made, measured and let go in turn: an adapted model's Float32 weights, which this
    /// reads, are 318 MB for SmolLM2, and eight at once were most of the demo's peak memory.
    public static func measure(models: EngineModels, adapters: [() throws -> LanguageModel], of total: Int, text: String,
                               tokens: Int = defaultTokens) throws -> DriftFigure {
        let ids = Array(models.language.tokenizer.encode(text).prefix(tokens))
        guard ids.count >= 2 else { throw EngineError(.invalidRequest, "the drift passage has fewer than 2 tokens") }
        let positions = Array(0..<(ids.count - 1))
        let base = TrainingPass(model: models.language.model, adapters: AdapterSet()).logProbabilityRows(tokens: ids, positions: positions)
        let kls = try adapters.map { adapted in
            let rows = TrainingPass(model: try adapted().model, adapters: AdapterSet()).logProbabilityRows(tokens: ids, positions: positions)
            return zip(rows, base).map { klDivergence($0, $1) }.reduce(0, +) / Double(positions.count)
        }
        return DriftFigure(tokens: ids.count, adapters: total, measured: kls.count,
                           meanKL: kls.isEmpty ? 0 : kls.reduce(0, +) / Double(kls.count), maxKL: kls.max() ?? 0)
    }

    /// KL(p ‖ q) for two log-probability rows, in nats.
    static func klDivergence(_ logP: [Float], _ logQ: [Float]) -> Double {
        zip(logP, logQ).reduce(0.0) { sum, pair in sum + Double(exp(pair.0)) * Double(pair.0 - pair.1) }
    }
}
