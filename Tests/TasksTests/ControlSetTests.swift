import Foundation
import Testing
@testable import Tasks

/// Text answers, question files, and the control set's promises: large enough to see
/// forgetting, and never holding its own answer in a question.
@Suite struct ControlSetTests {
    @Test func aTextAnswerIsAWholePhraseAnywhereIgnoringCaseAndAccents() {
        let brasilia = TaskItem(task: "capitals", prompt: "What is the capital of Brazil?", textAnswer: "Brasilia")
        #expect(AnswerExtraction.isCorrect("The capital of Brazil is Brasília.", for: brasilia))
        #expect(AnswerExtraction.isCorrect("BRASILIA, of course", for: brasilia))
        let tunis = TaskItem(task: "capitals", prompt: "What is the capital of Tunisia?", textAnswer: "Tunis")
        #expect(!AnswerExtraction.isCorrect("Tunisia is a country in North Africa.", for: tunis), "part of a word is not the word")
        let paz = TaskItem(task: "capitals", prompt: "?", textAnswer: "La Paz")
        #expect(AnswerExtraction.isCorrect("It is La Paz.", for: paz))
        #expect(!AnswerExtraction.isCorrect("Paz, la ciudad", for: paz), "the words in order")
        #expect(!AnswerExtraction.isCorrect("", for: paz))
    }

    @Test func aQuestionFileReadsNumbersAndTextsAndNamesABadLine() throws {
        let items = try TaskFile.parse("# comment\ncounts\tHow many legs does a dog have?\t4\n\ncapitals\tWhat is the capital of Peru?\tLima\n")
        #expect(items == [TaskItem(task: "counts", prompt: "How many legs does a dog have?", answer: 4),
                          TaskItem(task: "capitals", prompt: "What is the capital of Peru?", textAnswer: "Lima")])
        #expect { try TaskFile.parse("a\tb\tc\nonly two\tfields\n", path: "q.tsv") } throws: { "\($0)" == "q.tsv line 2: has 2 tab-separated fields; family, question and answer are 3" }
        #expect { try TaskFile.parse("f\t\t4\n", path: "q.tsv") } throws: { "\($0)".contains("line 1") && "\($0)".contains("must not be empty") }
        #expect { try TaskFile.parse("# nothing\n", path: "q.tsv") } throws: { "\($0)".contains("holds no items") }
    }

    @Test func theControlSetIsLargeEnoughToSeeForgettingAndSpansItsFamilies() {
        let control = TaskGenerators.control
        #expect(control.count >= 200, "20 questions move in 5-point steps; 200 in half-point steps")
        #expect(Set(control.map(\.prompt)).count == control.count, "no question twice")
        #expect(Set(control.map(\.task)).count >= 5)
    }

    @Test func noControlQuestionHoldsItsOwnAnswer() {
        for item in TaskGenerators.control {
            #expect(!AnswerExtraction.contains(item.prompt, phrase: item.expected), "\(item.prompt) holds \(item.expected)")
        }
    }

    @Test func theControlSetIsItsCandidatesFileFiltered() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let candidates = try TaskFile.load(root + "/scripts/control-candidates.tsv")
        let control = TaskGenerators.control
        #expect(control.allSatisfy { candidates.contains($0) }, "every control question is a candidate, with the candidate's answer")
        let order = control.compactMap { item in candidates.firstIndex(of: item) }
        #expect(order == order.sorted(), "kept in the candidates' order")
    }

    @Test func spreadKeepsEveryFamilyOfAnOrderedSet() {
        let items = (0..<30).map { TaskItem(task: "f\($0 / 10)", prompt: "q\($0)", answer: $0) }
        let six = TaskGenerators.spread(items, count: 6)
        #expect(six.map(\.answer) == [0, 5, 10, 15, 20, 25])
        #expect(TaskGenerators.spread(items, count: nil) == items && TaskGenerators.spread(items, count: 99) == items)
    }
}
