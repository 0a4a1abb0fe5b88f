import ArgumentParser
import Engine
import GESAL

extension EngineConfig {
    /// Checks the settings a command line can give, naming the option behind each, before any
    /// model loads: `gesal init` and `gesal demo` both build a config from options.
    public func validateOptions() throws {
        guard bufferSize >= 1 else { throw ValidationError("--buffer-size must be at least 1") }
        guard (-1...1).contains(similarityThreshold) else { throw ValidationError("--similarity-threshold is a cosine similarity, between -1 and 1") }
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1") }
        if let negativeWeight, !(negativeWeight >= 0 && negativeWeight.isFinite) {
            throw ValidationError("--negative-weight must be a number of at least 0")
        }
        if let updateSteps, updateSteps < 1 { throw ValidationError("--update-steps must be at least 1") }
        let optimizer = optimizer ?? "adam"
        guard LearningStep.optimizers[optimizer] != nil else {
            throw ValidationError("--optimizer is \(LearningStep.optimizers.keys.sorted().joined(separator: " or ")), not '\(optimizer)'")
        }
    }
}
