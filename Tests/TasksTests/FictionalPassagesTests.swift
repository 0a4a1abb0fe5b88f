import Testing
@testable import Tasks

/// SEAL's evaluation set: enough passages, each question answerable from its passage alone,
/// no gold answer in a question, invented names, and the same set for the same seed.
struct FictionalPassagesTests {
    static let passages = FictionalPassages.passages(count: 50, seed: 7)

    @Test func theSetHasFortyPassagesOrMoreOfThreeToFiveQuestions() {
        #expect(Self.passages.count == 50)
        #expect(Self.passages.allSatisfy { (3...5).contains($0.questions.count) })
    }

    @Test func everyAnswerIsStatedInItsPassage() {
        for passage in Self.passages {
            for question in passage.questions {
                #expect(passage.text.contains(question.expected), "\(question.expected) not in: \(passage.text)")
            }
        }
    }

    @Test func noQuestionHoldsItsAnswer() {
        for question in Self.passages.flatMap(\.questions) {
            #expect(!question.prompt.lowercased().contains(question.expected.lowercased()), "\(question.prompt) → \(question.expected)")
        }
    }

    @Test func titlesAreDistinctAndTheSameSeedGivesTheSameSet() {
        #expect(Set(Self.passages.map(\.title)).count == Self.passages.count)
        #expect(FictionalPassages.passages(count: 50, seed: 7) == Self.passages)
        #expect(FictionalPassages.passages(count: 50, seed: 8) != Self.passages)
    }

    /// The invented names are no English words: none is in the list the set avoids, and a
    /// set made without the list does make some (so the check has something to refuse).
    @Test func inventedNamesAvoidTheWordsGiven() throws {
        let english = ["grouse", "vine", "mist", "plum", "salt", "kiln", "bran", "tusk"]
        func names(_ passages: [Passage]) -> [String] {
            passages.flatMap { $0.questions.map(\.expected) }.filter { $0.first?.isUppercase == true && Int($0) == nil && !FictionalPassages.months.contains($0) }
                .flatMap { $0.split(separator: " ").map { $0.lowercased() } }
        }
        let avoiding = names(FictionalPassages.passages(count: 2000, seed: 7, avoiding: english))
        #expect(avoiding.count > 2000 && avoiding.allSatisfy { !english.contains($0) })
        let unchecked = names(FictionalPassages.passages(count: 2000, seed: 7))
        #expect(unchecked.contains { english.contains($0) }, "2000 passages of invented names hit none of the listed words: the test proves nothing")
    }

    @Test func theSplitsPartitionTheSetByTitle() {
        let parts = FictionalPassages.splits(Self.passages, seed: 1)
        let titles = (parts.training + parts.validation + parts.test).map(\.title)
        #expect(titles.sorted() == Self.passages.map(\.title).sorted())
        #expect(!parts.training.isEmpty && !parts.validation.isEmpty && !parts.test.isEmpty)
        #expect(FictionalPassages.splits(Array(Self.passages.reversed()), seed: 1).test.map(\.title).sorted() == parts.test.map(\.title).sorted())
    }
}
