@testable import Engine
import GESAL
import Testing

/// The parser of a quiz the model wrote: which of its lines become questions.
struct QuizWritingTests {
    static let passage = "Thobend is the capital of Nevarbia. Thobend was founded in 1818 by Loufurb Quuthund."

    @Test func aQuestionAndTheAnswerOnTheNextLineArePaired() {
        let quiz = KnowledgeLearning.quiz(fromReply: "Q: Question: What is the capital of Nevarbia?\nA: Thobend\nA: Thobend\nQ: When was Thobend founded? A: 1818.",
                                          passage: Self.passage)
        #expect(quiz == [QuizQuestion(question: "What is the capital of Nevarbia?", answer: "Thobend"),
                         QuizQuestion(question: "When was Thobend founded?", answer: "1818")])
    }

    @Test(arguments: [
        "Q: Who founded Thobend? A: a man from the north",  // not in the passage
        "Q: What is Thobend? A: Thobend",  // in its own question
        "Q: Who founded it? A: Loufurb Quuthund of Thobend in Nevarbia",  // longer than four words
        "A: Thobend",  // no question
    ])
    func anUnusableLineIsDropped(reply: String) {
        #expect(KnowledgeLearning.quiz(fromReply: reply, passage: Self.passage).isEmpty)
    }

    @Test func aRepeatedQuestionIsKeptOnce() {
        #expect(KnowledgeLearning.quiz(fromReply: "Q: Who founded Thobend? A: Loufurb Quuthund\nQ: Who founded Thobend? A: Loufurb Quuthund",
                                       passage: Self.passage).count == 1)
    }
}
