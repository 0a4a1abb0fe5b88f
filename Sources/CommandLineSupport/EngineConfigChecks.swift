import ArgumentParser
import Engine
import GESAL

extension EngineConfig {
    /// Checks the settings a command line can give against `Limits`, naming the option behind
    /// each, before any model loads: `gesal init` and `gesal demo` both build a config from options.
    public func validateOptions() throws {
        do {
            try validate(naming: optionName)
        } catch {
            throw ValidationError(error.message)
        }
        if let targets = loraStore?.targets {
            do { _ = try EngineModels.sites(targets, layers: 1) } catch { throw ValidationError("--lora-targets: \(error.message)") }
        }
        let optimizer = optimizer ?? "adam"
        guard LearningStep.optimizers[optimizer] != nil else {
            throw ValidationError("--optimizer is \(LearningStep.optimizers.keys.sorted().joined(separator: " or ")), not '\(optimizer)'")
        }
    }
}

/// `learningRate` -> `--learning-rate`: the option a config field comes from.
public func optionName(_ field: String) -> String {
    "--" + field.reduce(into: "") { name, character in
        if character.isUppercase { name += "-" + character.lowercased() } else { name.append(character) }
    }
}

/// Refuses an option's value outside its `Limit`, as a usage error naming the option.
public func checkOption(_ limit: Limit, _ value: Float, _ option: String) throws {
    do { try limit.check(value, option) } catch { throw ValidationError(error.message) }
}

public func checkOption(_ limit: Limit, _ value: Int, _ option: String) throws {
    do { try limit.check(value, option) } catch { throw ValidationError(error.message) }
}
