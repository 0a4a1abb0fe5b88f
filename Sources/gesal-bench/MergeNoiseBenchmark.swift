import Adaptation
import ArgumentParser
import CommandLineSupport
import Engine
import EventLog
import Foundation
import GESAL
import SystemIO
import Tasks

/// What an SVF merge costs answers when it changes nothing: the control set answered by the
/// base model, then through an identity SVF vector (z = 1) on every `--targets` matrix, merged
/// as `--weights` merges it. In Float32 the merge gives W back to rounding; in a block storage
/// it re-quantises W to the merge format, and that rounding alone is what moves answers.
struct MergeNoiseBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge-noise",
        abstract: "Control answers through an identity SVF adapter against the base model's: the cost of a merge's rounding alone.",
        discussion: helpText("""
          weights                    the storage measured (--weights)
          control_items              the control questions, answered greedily in 24 tokens
          control_right_base         answered right by the base model (no adapter)
          control_right_identity     answered right through an identity SVF vector on every --targets matrix
          identity_lost              right with the base, wrong through the identity adapter
          identity_gained            wrong with the base, right through it
          identity_drop_points       (control_right_base - control_right_identity) / control_items, in points

        A node's adapter answers only the prompts routed to it, so the demo's control set never
        meets one: this is what a prompt routed to an adapted node would lose to rounding before
        any learning. Run it once per storage to compare them.

        Example:
          swift run -c release gesal-bench merge-noise --threads 2 --weights blocks-svf-q5
          swift run -c release gesal-bench merge-noise --threads 2 --weights blocks-lora-beside
          swift run -c release gesal-bench merge-noise --threads 2 --weights float32
        """))

    @OptionGroup var options: EngineModelOptions

    @Option(help: ArgumentHelp("The matrices the identity vector sits on, comma-separated (the engine's default: every MLP matrix).",
                               valueName: "kinds"))
    var targets = EngineConfig().svfTargets.joined(separator: ",")

    func run() throws {
        let targets = targets.split(separator: ",").map(String.init)
        let models = try options.loadModels(embedder: "minilm", svfTargets: targets)
        // Where a node's adapter starts before its first learning step.
        let identity = try LearningStep.identityAdapters(targets: targets, composition: .gesal, models: models)
        let folder = try FileSystem().makeTemporaryDirectory(prefix: "gesal-merge-noise")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let writer = try LogWriter.create(at: folder + "/store", options: StoreOptions(durability: .none))
        defer { try? writer.close() }
        let blob = try writer.putBlob(AdapterCodec.encode(identity)).hex

        let items = TaskGenerators.control
        let evaluator = Evaluator(models: models, blobs: writer.store, maxTokens: TaskGenerators.controlAnswerTokens)
        let progress = ProgressReporter("control")
        let right = try evaluator.correct(items + items, adapters: items.map { _ in nil } + items.map { _ in blob }) { progress.update($0, $1) }
        progress.finish()
        let (base, adapted) = (right[..<items.count], right[items.count...])
        let lost = zip(base, adapted).filter { $0 && !$1 }.count, gained = zip(base, adapted).filter { !$0 && $1 }.count
        let (baseRight, adaptedRight) = (base.filter { $0 }.count, adapted.filter { $0 }.count)
        print("weights=\(options.weights.rawValue)")
        print("targets=\(targets.joined(separator: ","))")
        print("control_items=\(items.count)")
        print("control_right_base=\(baseRight)")
        print("control_right_identity=\(adaptedRight)")
        print("identity_lost=\(lost)")
        print("identity_gained=\(gained)")
        print(line("identity_drop_points", Double(baseRight - adaptedRight) * 100 / Double(items.count), decimals: 1))
    }
}
