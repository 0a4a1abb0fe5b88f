/// One question with its true answer, from a named task.
public struct TaskItem: Sendable, Equatable, Codable {
    public var task: String
    public var prompt: String
    public var answer: Int

    public init(task: String, prompt: String, answer: Int) {
        self.task = task
        self.prompt = prompt
        self.answer = answer
    }
}

/// The strict checker: the first number in the answer, read as written (digits only, no
/// words, no "closest number" scoring). "There are 3 r's" reads 3; "three" reads nothing;
/// "12 + 7 = 19" reads 12 and is wrong.
public enum AnswerExtraction {
    public static func firstNumber(_ text: String) -> Int? {
        var digits = ""
        for character in text {
            if character.isASCII && character.isNumber {
                digits.append(character)
            } else if !digits.isEmpty {
                break
            }
        }
        return digits.isEmpty ? nil : Int(digits.prefix(18))
    }

    public static func isCorrect(_ response: String, for item: TaskItem) -> Bool {
        firstNumber(response) == item.answer
    }
}
