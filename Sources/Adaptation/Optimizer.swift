import Foundation

/// How adapter parameters are updated from their gradients.
public struct OptimizerConfig: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable { case sgd, adam, adamW }

    public var kind: Kind
    public var learningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    /// L2 penalty for SGD and Adam; decoupled decay for AdamW.
    public var weightDecay: Float
    /// Gradients are scaled down to this global L2 norm when larger; nil turns clipping off.
    public var clipNorm: Float?

    public init(kind: Kind = .adam, learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                weightDecay: Float = 0, clipNorm: Float? = 1) {
        self.kind = kind
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.clipNorm = clipNorm
    }
}

/// Adam's moments per parameter (empty for SGD), and the step count.
public struct OptimizerState: Sendable, Equatable {
    public var step = 0
    public var first: [String: [Float]] = [:]
    public var second: [String: [Float]] = [:]

    public init() {}
}

/// One optimisation step over every adapter parameter that has a gradient, in name order so
/// the result is the same bit for bit on every run.
public enum Optimizer {
    /// Returns the global gradient norm before clipping.
    @discardableResult
    public static func step(_ adapters: inout AdapterSet, gradients: AdapterGradients, state: inout OptimizerState,
                            config: OptimizerConfig) -> Float {
        var parameters = adapters.parameters()
        let grads = gradients.byName()
        let names = parameters.keys.filter { grads[$0] != nil }.sorted()
        var squares: Float = 0
        for name in names { for g in grads[name]! { squares += g * g } }
        let norm = squares.squareRoot()
        let clip = config.clipNorm.map { norm > $0 ? $0 / norm : 1 } ?? 1
        state.step += 1
        let t = Float(state.step)
        for name in names {
            var theta = parameters[name]!
            let g = grads[name]!
            switch config.kind {
            case .sgd:
                for i in theta.indices { theta[i] -= config.learningRate * (g[i] * clip + config.weightDecay * theta[i]) }
            case .adam, .adamW:
                var m = state.first[name] ?? [Float](repeating: 0, count: theta.count)
                var v = state.second[name] ?? [Float](repeating: 0, count: theta.count)
                let correction1 = 1 - powf(config.beta1, t), correction2 = 1 - powf(config.beta2, t)
                for i in theta.indices {
                    var gi = g[i] * clip
                    if config.kind == .adam { gi += config.weightDecay * theta[i] }
                    m[i] = config.beta1 * m[i] + (1 - config.beta1) * gi
                    v[i] = config.beta2 * v[i] + (1 - config.beta2) * gi * gi
                    let update = (m[i] / correction1) / ((v[i] / correction2).squareRoot() + config.epsilon)
                    theta[i] -= config.learningRate * (update + (config.kind == .adamW ? config.weightDecay * theta[i] : 0))
                }
                state.first[name] = m
                state.second[name] = v
            }
            parameters[name] = theta
        }
        adapters.setParameters(parameters)
        return norm
    }
}

extension AdapterSet {
    /// Every trainable array by name: "blk.L.kind.lora_a", ".lora_b", ".svf_z".
    public func parameters() -> [String: [Float]] {
        var all: [String: [Float]] = [:]
        for (site, lora) in lora {
            all["\(site).lora_a"] = lora.a
            all["\(site).lora_b"] = lora.b
        }
        for (site, z) in svf { all["\(site).svf_z"] = z }
        return all
    }

    mutating func setParameters(_ values: [String: [Float]]) {
        for site in Array(lora.keys) {
            if let a = values["\(site).lora_a"] { lora[site]!.a = a }
            if let b = values["\(site).lora_b"] { lora[site]!.b = b }
        }
        for site in Array(svf.keys) {
            if let z = values["\(site).svf_z"] { svf[site] = z }
        }
    }
}

extension AdapterGradients {
    func byName() -> [String: [Float]] {
        var all: [String: [Float]] = [:]
        for (site, g) in loraA { all["\(site).lora_a"] = g }
        for (site, g) in loraB { all["\(site).lora_b"] = g }
        for (site, g) in svf { all["\(site).svf_z"] = g }
        return all
    }
}
