import GESAL

/// A CEM search as `gesal expert adapt` and `show` print it: each generation's best and mean
/// shot accuracy and its best α (per matrix, each expert's mean over the matrices), then the
/// kept mix.
struct MixTable {
    let mixed: ExpertMixed

    init(_ mixed: ExpertMixed) {
        self.mixed = mixed
    }

    var lines: [String] {
        func weights(_ alpha: [Float]) -> [String] { mixed.expertWeights(alpha).map { String(format: "%.3f", $0) } }
        var lines = ["generation\tbest accuracy\tmean accuracy\tbest \(mixed.weightsTitle) (\(mixed.experts.joined(separator: ", ")))"]
        for (index, generation) in mixed.generations.enumerated() {
            lines.append("\(index + 1)\t\(String(format: "%.3f", generation.bestFitness.accuracy))\t\(String(format: "%.3f", generation.meanAccuracy))\t"
                + weights(generation.best).joined(separator: " "))
        }
        lines.append("kept \(mixed.weightsTitle) " + zip(mixed.experts, weights(mixed.alpha)).map { "\($0) \($1)" }.joined(separator: ", ")
            + " (shot accuracy \(String(format: "%.3f", mixed.fitness.accuracy))), adapter \(mixed.adapter.prefix(12))")
        return lines
    }
}
