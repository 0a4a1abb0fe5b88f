import Models

/// The evaluation tasks, generated from shipped data with a seed (`docs/evaluation.md`).
public enum TaskGenerators {
    /// "How many times does the letter L appear in the word W?", balanced over the true
    /// answers 0, 1, 2 and 3 or more (a quarter each): natural sampling gives 1 two times in
    /// three, and a model that only learned to say "1" would look clever.
    public static func letterCounting(words: [String], count: Int, seed: UInt64) -> [TaskItem] {
        var random = RandomSource(seed: seed)
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        var buckets: [[TaskItem]] = [[], [], [], []]
        let perBucket = (count + 3) / 4
        var attempts = 0
        while buckets.contains(where: { $0.count < perBucket }), attempts < 1_000_000 {
            attempts += 1
            let word = words[Int(random.next() % UInt64(words.count))]
            // Pick the letter so that every bucket fills: from the word for 1+, from outside for 0.
            let wanted = buckets.firstIndex { $0.count < perBucket }!
            let letter: Character
            if wanted == 0 {
                let absent = letters.filter { !word.contains($0) }
                guard !absent.isEmpty else { continue }
                letter = absent[Int(random.next() % UInt64(absent.count))]
            } else {
                let present = Array(Set(word)).sorted()
                letter = present[Int(random.next() % UInt64(present.count))]
            }
            let answer = word.filter { $0 == letter }.count
            let bucket = min(answer, 3)
            guard buckets[bucket].count < perBucket else { continue }
            buckets[bucket].append(TaskItem(task: "letters", prompt: "How many times does the letter \(letter) appear in the word \(word)?",
                                            answer: answer))
        }
        // Interleave the buckets so any prefix stays balanced.
        var items: [TaskItem] = []
        for i in 0..<perBucket { for bucket in buckets where i < bucket.count { items.append(bucket[i]) } }
        return Array(items.prefix(count))
    }

    /// "What is A + B?" with A and B from 1 to 50.
    public static func arithmetic(count: Int, seed: UInt64) -> [TaskItem] {
        var random = RandomSource(seed: seed)
        return (0..<count).map { _ in
            let a = Int(random.next() % 50) + 1, b = Int(random.next() % 50) + 1
            return TaskItem(task: "arithmetic", prompt: "What is \(a) + \(b)?", answer: a + b)
        }
    }

    /// "What is A - B?" with A from 11 to 99 and B from 1 to A - 1: two-digit subtraction
    /// with a positive answer.
    public static func subtraction(count: Int, seed: UInt64) -> [TaskItem] {
        var random = RandomSource(seed: seed)
        return (0..<count).map { _ in
            let a = Int(random.next() % 89) + 11
            let b = Int(random.next() % UInt64(a - 1)) + 1
            return TaskItem(task: "subtraction", prompt: "What is \(a) - \(b)?", answer: a - b)
        }
    }

    /// "What is A times B?" with A and B from 2 to 9: the one-digit multiplication table.
    public static func multiplication(count: Int, seed: UInt64) -> [TaskItem] {
        var random = RandomSource(seed: seed)
        return (0..<count).map { _ in
            let a = Int(random.next() % 8) + 2, b = Int(random.next() % 8) + 2
            return TaskItem(task: "multiplication", prompt: "What is \(a) times \(b)?", answer: a * b)
        }
    }

    /// "How many letters are in the word W?", words from the shipped list (4 to 10 letters).
    public static func wordLength(words: [String], count: Int, seed: UInt64) -> [TaskItem] {
        var random = RandomSource(seed: seed)
        return (0..<count).map { _ in
            let word = words[Int(random.next() % UInt64(words.count))]
            return TaskItem(task: "wordlength", prompt: "How many letters are in the word \(word)?", answer: word.count)
        }
    }

    /// The generated families by name, for settings that list them: "letters", "arithmetic"
    /// (addition), "subtraction", "multiplication", "wordlength".
    public static let families = ["arithmetic", "subtraction", "multiplication", "letters", "wordlength"]

    /// What each family asks, in a few words: the categories a classification prompt names.
    public static let descriptions = ["arithmetic": "adding two numbers", "subtraction": "subtracting a number from another",
                                      "multiplication": "multiplying two numbers", "letters": "counting how often a letter appears in a word",
                                      "wordlength": "counting the letters of a word"]

    /// Whether `family`'s items are made from the word list (the others need none).
    public static func needsWords(_ family: String) -> Bool { ["letters", "wordlength"].contains(family) }

    /// `count` items of `family` (one of `families`); nil for a name it does not know.
    public static func items(of family: String, count: Int, seed: UInt64, words: [String]) -> [TaskItem]? {
        switch family {
        case "letters": letterCounting(words: words, count: count, seed: seed)
        case "arithmetic": arithmetic(count: count, seed: seed)
        case "subtraction": subtraction(count: count, seed: seed)
        case "multiplication": multiplication(count: count, seed: seed)
        case "wordlength": wordLength(words: words, count: count, seed: seed)
        default: nil
        }
    }

    /// The control set for forgetting: general-knowledge questions (capitals, opposites,
    /// chemical symbols, past tenses, plurals, ...) far from the learning tasks, chosen from
    /// `scripts/control-candidates.tsv` as those the default model answers right, greedily,
    /// in `controlAnswerTokens` tokens (`scripts/select-control.sh`). The base model scores
    /// 100% on them by construction, so any drop after learning is forgetting.
    public static let control: [TaskItem] = ControlFacts.items.map { TaskItem(task: $0.family, prompt: $0.question, given: $0.answer) }

    /// The answer length the control set is scored with: long enough for "The capital of
    /// Australia is Canberra." and the other answers it was selected with.
    public static let controlAnswerTokens = ControlFacts.answerTokens

    /// `count` of `items` taken at even steps (all of them when nil or larger), so a subset
    /// keeps every family of a set ordered by family.
    public static func spread(_ items: [TaskItem], count: Int?) -> [TaskItem] {
        guard let count, count < items.count else { return items }
        return (0..<max(count, 0)).map { items[$0 * items.count / count] }
    }

    /// Splits by a seeded hash of the prompt: the same item always lands on the same side for
    /// a seed, whatever else is in the list, so items used for feedback are never scored as
    /// held-out. `taughtShare` of the items (in expectation) are taught.
    public static func split(_ items: [TaskItem], seed: UInt64, taughtShare: Double = 0.5) -> (taught: [TaskItem], heldOut: [TaskItem]) {
        var taught: [TaskItem] = [], heldOut: [TaskItem] = []
        for item in items {
            var hash = RandomSource(seed: seed ^ fnv1a(item.prompt))
            if hash.unit() < taughtShare { taught.append(item) } else { heldOut.append(item) }
        }
        return (taught, heldOut)
    }

    static func fnv1a(_ text: String) -> UInt64 {
        text.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }
}
