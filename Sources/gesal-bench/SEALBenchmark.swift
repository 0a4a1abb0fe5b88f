import ArgumentParser
import CommandLineSupport
import Engine
import EventLog
import Foundation
import GESAL
import Models
import SystemIO
import Tasks

struct SEALBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seal",
        abstract: "SEAL: what sampling self-edits, training a candidate and learning one passage cost.",
        discussion: helpText("""
          self_edit_generation_s   sampling --candidates self-edits of one passage in one batch
                                   (SEAL's implications prompt, temperature 1, --edit-tokens tokens)
          inner_loop_train_s       one candidate's LoRA trained on its edit's lines and the passage
                                   (`gesal learn`'s defaults: rank 8, 5 epochs) and quizzed, the mean
                                   over the passage alone and the --candidates edits
          passage_to_learned_s     one passage end to end (`gesal learn`): the edits, every candidate,
                                   the choice and the record, on a fresh store
          sequences_per_candidate  the mean sequences a candidate trained on

        Example:
          swift run -c release gesal-bench seal --threads 2
        """))

    @OptionGroup var models: EngineModelOptions

    @Option(help: "Self-edits a passage (SEAL's k).")
    var candidates = 5

    @Option(help: "The longest self-edit, in tokens.")
    var editTokens = 128

    func validate() throws {
        do { try LearnSettings(candidates: candidates, editTokens: editTokens).validate(naming: optionName) } catch { throw ValidationError(error.message) }
    }

    func run() throws {
        let loaded = try models.loadModels(embedder: "minilm", svfTargets: EngineConfig().svfTargets)
        let folder = try FileSystem().makeTemporaryDirectory(prefix: "gesal-bench-seal")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let engine = try Engine(writer: try LogWriter.create(at: folder + "/store"), models: loaded)
        let passage = FictionalPassages.passages(count: 1, seed: 11)[0]
        let questions = passage.questions.map { QuizQuestion(question: $0.prompt, answer: $0.expected) }
        let settings = LearnSettings(candidates: candidates, editTokens: editTokens)
        let submitted = PassageSubmitted(passage: 1, title: passage.title, text: passage.text, questions: questions, questionsBy: "user")
        print(line("self_edit_generation_s", timed { _ = KnowledgeLearning.propose(submitted, settings: settings, writer: loaded.language, writerAdapter: nil) }, decimals: 2))

        var learned: Engine.Learned?
        var failure: Error?
        let total = timed {
            do { learned = try engine.learn(title: passage.title, text: passage.text, questions: questions, settings: settings) } catch { failure = error }
        }
        if let failure { throw failure }
        let edits: [String?] = [nil] + learned!.proposed.map(\.text)
        var failed: Error?
        let training = timed {
            for (candidate, edit) in edits.enumerated() {
                do {
                    _ = try KnowledgeLearning.train(submitted, candidate: candidate, edit: edit, training: settings.training, quizTokens: settings.quizTokens,
                                                    from: nil, language: loaded.language)
                } catch { failed = error }
            }
        }
        if let failed { throw failed }
        print(line("inner_loop_train_s", training / Double(edits.count), decimals: 2))
        print(line("passage_to_learned_s", total, decimals: 2))
        print(line("sequences_per_candidate", Double(learned!.scored.map(\.sequences).reduce(0, +)) / Double(edits.count), decimals: 1))
    }
}
