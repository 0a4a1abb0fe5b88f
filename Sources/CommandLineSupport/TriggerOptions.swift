import ArgumentParser
import GESAL

/// `--trigger-threshold`, `--trigger-warmup` and `--trigger-weight`: SAGE's trigger settings, for
/// `gesal init --trigger` and for trying other settings on a history (`gesal-log trigger`).
public struct TriggerOptions: ParsableArguments {
    public init() {}

    @Option(help: "The weighted badness, in [0, 1], at which the trigger fires (default 0.5).")
    public var triggerThreshold: Float?

    @Option(help: "Judged answers whose label-free signals set the percentiles later ones are ranked against (default 20).")
    public var triggerWarmup: Int?

    @Option(help: ArgumentHelp("A signal's weight, replacing its default (repeat for several; 0 leaves it out). Signals: "
        + TriggerSignal.allCases.map(\.rawValue).joined(separator: ", ") + ".", valueName: "SIGNAL=W"))
    public var triggerWeight: [String] = []

    /// Whether any of the options was given.
    public var isEmpty: Bool { triggerThreshold == nil && triggerWarmup == nil && triggerWeight.isEmpty }

    /// `base` with what the options change, checked against `Limits`.
    public func settings(changing base: TriggerSettings = TriggerSettings()) throws -> TriggerSettings {
        var settings = base
        if let triggerThreshold { settings.threshold = triggerThreshold }
        if let triggerWarmup { settings.warmup = triggerWarmup }
        for given in triggerWeight {
            let parts = given.split(separator: "=", omittingEmptySubsequences: false)
            guard parts.count == 2, let weight = Float(parts[1]) else {
                throw ValidationError("--trigger-weight takes SIGNAL=WEIGHT (nodeDistance=0.5), not '\(given)'")
            }
            settings.weights[String(parts[0])] = weight
        }
        do { try settings.validate(naming: optionName) } catch { throw ValidationError(error.message) }
        return settings
    }
}
