import Testing
@testable import Tasks

@Suite struct TasksTests {
    static let words = ["strawberry", "banana", "apple", "kiwi", "letter", "mississippi", "cat", "bookkeeper", "sky", "rhythm", "queue", "aardvark"]

    @Test func theCheckerReadsTheFirstNumberStrictly() {
        #expect(AnswerExtraction.firstNumber("There are 3 r's in strawberry.") == 3)
        #expect(AnswerExtraction.firstNumber("12 + 7 = 19") == 12, "the first number, not the closest")
        #expect(AnswerExtraction.firstNumber("The letter t appears twice in the word") == 2)
        #expect(AnswerExtraction.firstNumber("Three, or 4") == 3, "a number word first wins")
        #expect(AnswerExtraction.firstNumber("It appears only once") == 1)
        #expect(AnswerExtraction.firstNumber("Someone counted: 5") == 5, "a word containing a number word is not one")
        #expect(AnswerExtraction.firstNumber("The letter j does not appear") == nil)
        #expect(AnswerExtraction.firstNumber("the 3rd") == 3)
        #expect(AnswerExtraction.firstNumber("The answer is 42.") == 42)
        #expect(AnswerExtraction.firstNumber("") == nil)
        let item = TaskItem(task: "arithmetic", prompt: "What is 12 + 7?", answer: 19)
        #expect(AnswerExtraction.isCorrect("19", for: item) && !AnswerExtraction.isCorrect("12 + 7 = 19", for: item))
    }

    @Test func letterCountingIsBalancedOverTheAnswersAndCorrect() {
        let items = TaskGenerators.letterCounting(words: Self.words, count: 40, seed: 3)
        #expect(items.count == 40)
        let buckets = Dictionary(grouping: items) { min($0.answer, 3) }.mapValues(\.count)
        #expect(buckets == [0: 10, 1: 10, 2: 10, 3: 10])
        for item in items {
            let parts = item.prompt.split(separator: " ")
            let letter = parts[6].first!, word = parts[parts.count - 1].dropLast()
            #expect(word.filter { $0 == letter }.count == item.answer, "\(item.prompt)")
        }
        #expect(items == TaskGenerators.letterCounting(words: Self.words, count: 40, seed: 3), "seeded")
        #expect(items != TaskGenerators.letterCounting(words: Self.words, count: 40, seed: 4))
    }

    /// Each item's answer, computed here from its prompt's numbers.
    @Test(arguments: [("subtraction", "-"), ("multiplication", "times"), ("arithmetic", "+")])
    func arithmeticFamiliesAnswerTheirPrompts(family: String, operation: String) throws {
        let items = try #require(TaskGenerators.items(of: family, count: 200, seed: 5, words: Self.words))
        for item in items {
            let parts = item.prompt.dropLast().split(separator: " ")
            let a = try #require(Int(parts[2])), b = try #require(Int(parts[4]))
            #expect(parts[3] == operation && item.task == family)
            #expect(item.answer == (operation == "-" ? a - b : operation == "+" ? a + b : a * b) && item.answer > 0, "\(item.prompt)")
        }
        #expect(Set(items.map(\.answer)).count > 10, "the answers vary")
    }

    @Test func anUnknownFamilyHasNoItems() {
        #expect(TaskGenerators.items(of: "calculus", count: 3, seed: 1, words: Self.words) == nil)
    }

    @Test func splitsNeverMixAndDoNotDependOnTheRestOfTheList() {
        let items = TaskGenerators.arithmetic(count: 200, seed: 1)
        let (taught, heldOut) = TaskGenerators.split(items, seed: 9)
        #expect(Set(taught.map(\.prompt)).isDisjoint(with: heldOut.map(\.prompt)))
        #expect(taught.count + heldOut.count == 200 && taught.count > 60 && heldOut.count > 60)
        let (taughtOfHalf, _) = TaskGenerators.split(Array(items.prefix(100)), seed: 9)
        #expect(Set(taughtOfHalf.map(\.prompt)).isSubset(of: taught.map(\.prompt)), "an item's side depends only on itself and the seed")
    }

    @Test func accuracyCarriesAWilsonIntervalAndTheMajorityBaseline() {
        let items = [1, 1, 1, 2].map { TaskItem(task: "t", prompt: "\($0)", answer: $0) }
        let accuracy = Accuracy(correct: 2, items: items)
        #expect(accuracy.accuracy == 0.5 && accuracy.majorityBaseline == 0.75)
        // Wilson 95% for 2 of 4: [0.150, 0.850].
        #expect(abs(accuracy.low - 0.1500) < 1e-3 && abs(accuracy.high - 0.8500) < 1e-3)
        let none = Accuracy.wilson(correct: 0, count: 20)
        #expect(none.0 == 0 && abs(none.1 - 0.1611) < 1e-3)
    }
}
