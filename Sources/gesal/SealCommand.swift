import ArgumentParser
import CommandLineSupport
import Engine
import Foundation
import GESAL

/// `gesal seal`: SEAL's outer loop. The passages themselves are learned by `gesal learn`.
struct SealCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seal",
        abstract: "SEAL's outer loop: teach the model to write better self-edits (ReST-EM).",
        subcommands: [SealTrainCommand.self])
}

struct SealTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Fine-tune the self-edit writer on the kept edits that beat their passage alone.",
        discussion: helpText("""
        ReST-EM, as SEAL runs it. Each round has an E-step and an M-step. The M-step trains a
        fresh LoRA on the base model (the writer) by SFT: the self-edit prompt of a passage in,
        the kept edit out, for every kept edit that beat its passage alone on the quiz, among
        those the current writer wrote. The E-step, from the second round on, learns every
        passage of the store again (as `gesal learn` does, with its quiz), so the new writer
        writes its edits. Every later `gesal learn` samples its edits from the latest writer.
        Each round is one WriterTrained event: `gesal-log audit adapter` on the writer lists
        the passages, edits and scores it learned from, and `gesal-log replay --reexecute`
        trains it again bit for bit.

        Learn some passages first; a round with no winning edit is refused.

        Examples:
          gesal learn plimt.txt --questions q.jsonl      (several passages)
          gesal seal train                               one M-step on their winners
          gesal seal train --rounds 2 --candidates 3     M, then E and M again
        """))

    @OptionGroup var engine: EngineOptions

    @Option(help: "ReST-EM rounds.")
    var rounds = 1

    @Option(help: "The writer LoRA's rank.")
    var writerRank = 8

    @Option(help: "Passes over the winning edits.")
    var writerEpochs = 3

    @Option(help: "Adam's learning rate for the writer.")
    var writerLearningRate: Float = 1e-3

    @OptionGroup(title: "The E-step's learning (as gesal learn)") var selfEdits: SelfEditOptions

    var writerTraining: KnowledgeTraining {
        KnowledgeTraining(rank: writerRank, alpha: 2 * Float(writerRank), learningRate: writerLearningRate, epochs: writerEpochs, seed: selfEdits.seed)
    }

    func validate() throws {
        do {
            try Limits.writerRounds.check(rounds, "--rounds")
            try writerTraining.validate { "--writer-" + optionName($0).dropFirst(2) }
            try selfEdits.settings.validate(naming: optionName)
        } catch {
            throw ValidationError(error.message)
        }
    }

    func run() throws {
        try reportingErrors {
            let opened = try engine.openEngine()
            let start = Date()
            for _ in 1...rounds {
                var bar: ProgressBar?
                let trained = try opened.restRound(learn: selfEdits.settings, writer: writerTraining, phase: { phase in
                    bar?.finish()
                    bar = nil
                    writeStandardError(phase + "\n")
                }, progress: { done, total in
                    if bar == nil { bar = ProgressBar("training", total: total) }
                    bar?.update(done)
                })
                bar?.finish()
                guard let trained else {
                    print("no kept self-edit beat its passage alone: nothing to train the writer on, so it stays as it was")
                    break
                }
                print("writer round \(trained.round): \(trained.edits.count) winning edits (\(trained.edits.map { "\($0.passage).\($0.candidate)" }.joined(separator: ", "))), "
                    + "loss \(String(format: "%.3f", trained.trainingLoss)), writer adapter \(trained.adapter.prefix(12))")
            }
            writeStandardError("[\(rounds) round\(rounds == 1 ? "" : "s") · \(Int(Date().timeIntervalSince(start))) s]\n")
        }
    }
}
