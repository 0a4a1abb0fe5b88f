import Testing
@testable import Tasks

/// An expert's three-way split and the word task made for the library.
@Suite struct TaskSplitsTests {
    @Test func thePartsAreDisjointAndCoverEveryItem() {
        let items = TaskGenerators.arithmetic(count: 1000, seed: 2)
        let splits = TaskSplits(items, seed: 2)
        #expect(splits.training.count + splits.validation.count + splits.test.count == items.count)
        let training = Set(splits.training.map(\.prompt)), validation = Set(splits.validation.map(\.prompt)), test = Set(splits.test.map(\.prompt))
        #expect(training.isDisjoint(with: validation) && training.isDisjoint(with: test) && validation.isDisjoint(with: test),
                "a prompt asked twice lands in one part")
    }

    @Test func thePartsAreAboutSixtyTwentyTwenty() {
        let splits = TaskSplits(TaskGenerators.subtraction(count: 2000, seed: 4), seed: 4)
        // Binomial standard deviations at n = 2000: about 22 and 18 items.
        #expect(abs(splits.training.count - 1200) < 90 && abs(splits.validation.count - 400) < 75 && abs(splits.test.count - 400) < 75,
                "\(splits.training.count) / \(splits.validation.count) / \(splits.test.count)")
    }

    @Test func anItemKeepsItsPartWhateverElseIsInTheList() {
        let items = TaskGenerators.multiplication(count: 200, seed: 5)
        let all = TaskSplits(items, seed: 5), half = TaskSplits(Array(items.prefix(100)), seed: 5)
        #expect(half.test.allSatisfy { item in all.test.contains(item) } && half.training.allSatisfy { item in all.training.contains(item) })
    }

    @Test func aPartIsNamed() {
        let splits = TaskSplits(TaskGenerators.arithmetic(count: 50, seed: 1), seed: 1)
        #expect(splits.part("test") == splits.test && splits.part("training") == splits.training && splits.part("taught") == nil)
    }

    @Test func wordLengthAnswersAreTheWordsLengths() throws {
        let words = ["strawberry", "kiwi", "rhythm", "aardvark"]
        let items = TaskGenerators.wordLength(words: words, count: 40, seed: 3)
        for item in items {
            let word = try #require(item.prompt.split(separator: " ").last?.dropLast())
            #expect(words.contains(String(word)) && item.answer == word.unicodeScalars.count && item.task == "wordlength", "\(item.prompt)")
        }
        #expect(Set(items.map(\.answer)).count > 2, "the words vary")
    }
}
