import Foundation

/// The strict checker: the first number in the answer, written in digits or as an English
/// number word ("zero" to "twenty", "once", "twice", "thrice"); no "closest number" scoring.
/// "There are 3 r's" reads 3; "r appears twice" reads 2; "12 + 7 = 19" reads 12 and is wrong;
/// "it does not appear" reads nothing. Words count because the model often answers in them,
/// and a checker that punished a right "twice" would teach the learner to stop saying it.
/// A text answer is found as a whole phrase anywhere in the response, ignoring case and
/// accents: "The capital of Brazil is Brasília." holds "Brasilia"; "Tunisia" does not hold "Tunis".
public enum AnswerExtraction {
    /// The number words, by value.
    public static let numberWords: [String: Int] = {
        let cardinals = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
                         "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"]
        var words = Dictionary(uniqueKeysWithValues: cardinals.enumerated().map { ($0.element, $0.offset) })
        words["once"] = 1
        words["twice"] = 2
        words["thrice"] = 3
        return words
    }()

    public static func firstNumber(_ text: String) -> Int? {
        // Runs of ASCII digits or of letters, in order; the first run that is a number wins.
        var run = ""
        var runIsDigits = false
        for character in text + " " {
            let isDigit = character.isASCII && character.isNumber
            if !run.isEmpty, isDigit == runIsDigits, isDigit || character.isLetter {
                run.append(character)
                continue
            }
            if !run.isEmpty {
                if runIsDigits { return Int(run.prefix(18)) }
                if let value = numberWords[run.lowercased()] { return value }
                run = ""
            }
            if isDigit || character.isLetter {
                run = String(character)
                runIsDigits = isDigit
            }
        }
        return nil
    }

    public static func isCorrect(_ response: String, for item: TaskItem) -> Bool {
        if let text = item.textAnswer { return contains(response, phrase: text) }
        return firstNumber(response) == item.answer
    }

    /// Whether `phrase`'s words occur in `text` as consecutive whole words (letters, digits and
    /// apostrophes make a word), ignoring case and accents.
    public static func contains(_ text: String, phrase: String) -> Bool {
        let words = self.words(text), wanted = self.words(phrase)
        guard !wanted.isEmpty, words.count >= wanted.count else { return false }
        return (0...(words.count - wanted.count)).contains { Array(words[$0..<($0 + wanted.count)]) == wanted }
    }

    static func words(_ text: String) -> [String] {
        text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
            .split { !($0.isLetter || $0.isNumber || $0 == "'") }.map(String.init)
    }
}
