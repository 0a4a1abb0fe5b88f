/// One question with its true answer, from a named task: a number (`answer`), or, for items
/// whose answer is a word or a name, a text (`textAnswer`, with `answer` unused).
public struct TaskItem: Sendable, Equatable, Codable {
    public var task: String
    public var prompt: String
    public var answer: Int
    /// The answer as text ("Paris"), checked as a whole phrase anywhere in the response.
    public var textAnswer: String?

    public init(task: String, prompt: String, answer: Int) {
        self.task = task
        self.prompt = prompt
        self.answer = answer
    }

    public init(task: String, prompt: String, textAnswer: String) {
        self.init(task: task, prompt: prompt, answer: 0)
        self.textAnswer = textAnswer
    }

    /// An item whose answer is given as text: digits make a number answer, anything else a
    /// text answer (how `TaskFile` and the control set read theirs).
    public init(task: String, prompt: String, given answer: String) {
        if answer.allSatisfy(\.isASCII), let number = Int(answer) {
            self.init(task: task, prompt: prompt, answer: number)
        } else {
            self.init(task: task, prompt: prompt, textAnswer: answer)
        }
    }

    /// The true answer as it is shown and counted for the majority baseline.
    public var expected: String { textAnswer ?? String(answer) }
}
