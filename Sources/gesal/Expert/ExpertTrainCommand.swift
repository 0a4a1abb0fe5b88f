import ArgumentParser
import CommandLineSupport
import Engine
import Foundation
import GESAL
import Tasks

struct ExpertTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train an SVF expert on a task by REINFORCE and add it to the library.",
        discussion: helpText("""
        Each step answers --batch training prompts greedily with the expert as it stands,
        rewards each answer +1 if the task's checker accepts it and -1 if not, and takes one
        Adam step (with the KL penalty towards the base model). The default objective,
        baseline+reference, also makes each prompt's true answer a +1 sample and takes
        the batch's mean reward from each answer's (so a batch of wrong answers pushes
        nothing down); reinforce+reference keeps the raw +1/-1; reinforce alone is
        Transformer²'s, which needs a model already right often, and SmolLM2-135M rarely
        is (docs/transformer2.md has the three measured).
        Every --validate-every steps the expert answers the validation prompts; the best
        checkpoint is kept (the earliest of equals; step 0 is the base model).

        Tasks: arithmetic ("What is 12 + 7?"), subtraction, multiplication ("What is 7
        times 8?"), letters ("How many times does the letter r appear in the word
        strawberry?") and wordlength ("How many letters are in the word garden?"). The
        task dispatch trains the library's classifier instead: the classification
        prompt of every expert's training prompts, answered with the expert's task (the
        classifier dispatch strategy asks it; docs/transformer2.md).

        Examples:
          gesal expert train adder --task arithmetic
          gesal expert train times --task multiplication --steps 20 --batch 4
          gesal expert train counter --task letters --composition gesal
          gesal expert train router --task dispatch
        """))

    @OptionGroup var engine: EngineOptions

    @Argument(help: "The expert's name: letters, digits, '.', '_' and '-'.")
    var name: String

    @Option(help: "arithmetic, subtraction, multiplication, letters, wordlength, or dispatch (the library's classifier).")
    var task: String

    @Option(help: "Items generated before the 60/20/20 split.")
    var items = 300

    @Option(help: "Seed for generating and splitting the items.")
    var itemSeed: UInt64 = 1

    @Option(help: "baseline+reference, reinforce+reference, or reinforce (Transformer²'s).")
    var objective = ExpertSettings.Objective.baselineReference.rawValue

    @Option(help: "transformerSquared (sigmoid scales, singular-value mass kept) or gesal (plain scales).")
    var composition = "transformerSquared"

    @Option(help: "Optimiser steps.")
    var steps = 30

    @Option(help: "Training prompts per step.")
    var batch = 8

    @Option(help: "Adam's learning rate.")
    var learningRate: Float = 1e-2

    @Option(help: "Weight of the KL penalty towards the base model (0 turns it off).")
    var klWeight: Float = 0.1

    @Option(help: "Steps between validations (the last step is always validated).")
    var validateEvery = 5

    @Option(help: "The longest answer, in tokens, when answering training and validation prompts.")
    var maxTokens = 16

    @Option(help: "Seed for the order of training prompts.")
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("The word list for letters and wordlength.", valueName: "PATH"))
    var words = SetupFolder.path(WordList.defaultPath)

    var settings: ExpertSettings {
        ExpertSettings(task: task, items: items, itemSeed: itemSeed, composition: composition,
                       objective: ExpertSettings.Objective(rawValue: objective) ?? .baselineReference, steps: steps, batch: batch,
                       learningRate: learningRate, klWeight: klWeight, validateEvery: validateEvery, maxTokens: maxTokens, seed: seed)
    }

    func validate() throws {
        guard ExpertSettings.Objective(rawValue: objective) != nil else {
            throw ValidationError("--objective is \(ExpertSettings.Objective.allCases.map(\.rawValue).joined(separator: " or ")), not '\(objective)'")
        }
        guard ExpertTraining.tasks.contains(task) else {
            throw ValidationError("--task is one of \(ExpertTraining.tasks.joined(separator: ", ")), not '\(task)'")
        }
        do { try checkExpertName(name) } catch { throw ValidationError(error.message) }
        do { try settings.validate(naming: optionName) } catch { throw ValidationError(error.message) }
    }

    func run() throws {
        try reportingErrors {
            // A taken name fails on the replayed log, before any model loads.
            if try Engine.storeCreated(at: engine.store, branch: engine.branch) != nil {
                try replayedState(store: engine.store, branch: engine.branch).checkFreeExpertName(name)
            }
            let opened = try engine.openEngine()
            let start = Date()
            var bar = ProgressBar("training \(name)", total: steps)
            let trained = try opened.trainExpert(name: name, settings: settings, words: { try WordList.load(words) }) { done, _ in bar.update(done) }
            bar.finish()
            for checkpoint in trained.curve {
                print("step \(checkpoint.step)\tvalidation accuracy \(String(format: "%.3f", checkpoint.accuracy))\tloss \(String(format: "%.4f", checkpoint.loss))")
            }
            let kept = trained.curve[trained.kept]
            print("kept step \(kept.step) (validation accuracy \(String(format: "%.3f", kept.accuracy)) of \(trained.validation.count) items; "
                + "base \(String(format: "%.3f", trained.curve[0].accuracy))), adapter \(kept.adapter.prefix(12))")
            let scoring = task == ExpertTraining.classificationTask ? "gesal eval --dispatch classifier,embedding" : "gesal eval --task \(task) --split test --expert \(name)"
            writeStandardError("[expert \(name) · \(trained.training.count) training items · \(Int(Date().timeIntervalSince(start))) s]  score it: \(scoring)\n")
        }
    }
}
