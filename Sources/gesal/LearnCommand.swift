import ArgumentParser
import CommandLineSupport
import Engine
import Foundation
import GESAL

struct LearnCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "learn",
        abstract: "Absorb a passage so that later answers know it without it (SEAL's inner loop).",
        discussion: helpText("""
        The model writes --candidates self-edits of the passage (SEAL's prompt: "produce a
        list of implications derived directly or indirectly from the content"), sampled at
        --temperature. A LoRA is trained on the passage alone, and one on each edit's lines
        with the passage, each starting from the store's knowledge adapter (what earlier
        passages taught). Each is quizzed on --questions with the passage out of context:
        exact match after normalisation, whether the reply contains the answer, and token
        F1. The best edit (by the three in that order) becomes the knowledge adapter. The whole passage is one record (PassageSubmitted, SelfEditProposed,
        SelfEditScored, SelfEditChosen): `gesal-log audit` tells why the adapter knows what
        it knows, and `gesal-log replay --reexecute` trains every candidate again.

        The quiz is a JSON-lines file, one {"question": ..., "answer": ...} a line, with short
        answers the passage states. It is never trained on. Without --questions the model
        writes its own quiz (recorded as the model's): a weaker test, since it asks about
        what the model noticed (docs/seal.md). --rehearse N mixes N earlier passages' kept
        edits into every candidate's training, against forgetting. `gesal seal train`
        fine-tunes the self-edit writer on the edits that worked (ReST-EM).

        Examples:
          gesal learn plimt.txt --title Plimt --questions plimt-quiz.jsonl
          cat notes.txt | gesal learn - --title Notes --questions q.jsonl
          gesal learn plimt.txt --questions q.jsonl --candidates 3 --epochs 10
          gesal learn plimt.txt --rehearse 4        the model writes the quiz
          gesal-log log --limit 10                  what was proposed and kept
        """))

    @OptionGroup var engine: EngineOptions

    @Argument(help: ArgumentHelp("The passage: a text file, or - for standard input.", valueName: "FILE|-"))
    var passage: String

    @Option(help: "The passage's title (default: the file's name without its extension).")
    var title: String?

    @Option(help: ArgumentHelp("The quiz: JSON lines of {\"question\": ..., \"answer\": ...} (default: the model writes one).", valueName: "Q.jsonl"))
    var questions: String?

    @OptionGroup var selfEdits: SelfEditOptions

    func validate() throws {
        do { try selfEdits.settings.validate(naming: optionName) } catch { throw ValidationError(error.message) }
    }

    func run() throws {
        try reportingErrors {
            let text = try readPassage()
            let quiz = try questions.map(Self.readQuiz)
            let title = title ?? (passage == "-" ? "Passage" : URL(fileURLWithPath: passage).deletingPathExtension().lastPathComponent)
            // An empty passage or a malformed quiz fails here, before a model loads.
            try PassageSubmitted(passage: 1, title: title, text: text, questions: quiz ?? [], questionsBy: "user").validate(quizToWrite: quiz == nil)
            let opened = try engine.openEngine()
            let start = Date()
            var bar: ProgressBar?
            let learned = try opened.learn(title: title, text: text, questions: quiz, settings: selfEdits.settings) { done, total in
                if bar == nil { bar = ProgressBar("learning \(title)", total: total) }
                bar?.update(done)
            }
            bar?.finish()
            if quiz == nil {
                print("the model's quiz (weaker than one you write: docs/seal.md):")
                for q in learned.submitted.questions { print("  \(terminalSafe(q.question)) -> \(terminalSafe(q.answer))") }
            }
            print("candidate\texact match\tcontains\tF1\tsequences\tloss\tedit")
            for scored in learned.scored {
                let edit = scored.candidate == 0 ? "(the passage alone)" : learned.proposed[scored.candidate - 1].text.replacingOccurrences(of: "\n", with: " / ")
                print("\(scored.candidate)\t\(String(format: "%.3f", scored.exactMatch))\t\(String(format: "%.3f", scored.containsAnswer))\t"
                    + "\(String(format: "%.3f", scored.f1))\t\(scored.sequences)\t"
                    + "\(String(format: "%.3f", scored.trainingLoss))\t\(terminalSafe(String(edit.prefix(100))))")
            }
            let chosen = learned.chosen
            print("kept candidate \(chosen.candidate) (\(chosen.beatsPassage ? "beats" : "does not beat") the passage alone): knowledge adapter \(chosen.adapter.prefix(12))")
            writeStandardError("[passage \(learned.submitted.passage) · \(learned.proposed.count) self-edits · \(Int(Date().timeIntervalSince(start))) s]\n")
        }
    }

    func readPassage() throws -> String {
        let data: Data
        if passage == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let read = FileManager.default.contents(atPath: passage) else { throw ValidationError("cannot read the passage \(passage)") }
            data = read
        }
        guard let text = String(data: data, encoding: .utf8) else { throw ValidationError("the passage \(passage) is not UTF-8 text") }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The quiz from JSON lines; the first bad line is named.
    static func readQuiz(at path: String) throws -> [QuizQuestion] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ValidationError("cannot read the questions \(path)")
        }
        var quiz: [QuizQuestion] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let question = try? JSONDecoder().decode(QuizQuestion.self, from: Data(line.utf8)) else {
                throw ValidationError("\(path):\(index + 1) is not a JSON object with a \"question\" and an \"answer\" string")
            }
            quiz.append(question)
        }
        return quiz
    }
}
