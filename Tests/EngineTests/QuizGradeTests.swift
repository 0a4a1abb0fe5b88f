@testable import Engine
import GESAL
import Testing

/// SEAL's quiz grades, worked by hand: a small model recites the passage rather than answer
/// in a word, which exact match and F1 hardly credit and containment does.
struct QuizGradeTests {
    static let year = QuizQuestion(question: "In what year was Thobend founded?", answer: "1818")
    static let founder = QuizQuestion(question: "Who founded Thobend?", answer: "Loufurb Quuthund")

    @Test func aRecitalContainingTheAnswerCountsAsContainedOnly() {
        let grade = KnowledgeLearning.grade("Thobend was founded in 1818 by Loufurb Qu", Self.year)
        #expect(!grade.exact && grade.contains)
        #expect(abs(grade.f1 - 2 * (1.0 / 8) * 1 / (1.0 / 8 + 1)) < 1e-6, "one shared token of 8 replied and 1 wanted")
    }

    @Test func aNameCutShortIsNotContained() {
        #expect(!KnowledgeLearning.grade("Thobend was founded in 1818 by Loufurb Qu", Self.founder).contains)
        #expect(KnowledgeLearning.grade("loufurb quuthund.", Self.founder) == (true, true, 1))
    }
}
