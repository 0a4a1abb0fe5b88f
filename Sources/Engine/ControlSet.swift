/// General-knowledge questions with reference answers, far from anything a user teaches: the
/// regression guard scores how well the model still knows these after an update.
public enum ControlSet {
    public static let items: [(prompt: String, answer: String)] = [
        ("What is the capital of France?", "The capital of France is Paris."),
        ("What color is the sky on a clear day?", "The sky is blue on a clear day."),
        ("How many days are in a week?", "There are 7 days in a week."),
        ("What is the largest planet in our solar system?", "Jupiter is the largest planet in our solar system."),
        ("What do bees make?", "Bees make honey."),
    ]
}
