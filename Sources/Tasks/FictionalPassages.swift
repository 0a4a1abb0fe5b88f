import Models

/// A short passage with questions whose answers it states, for SEAL's knowledge learning
/// (docs/seal.md): the model reads the passage, absorbs it, and is quizzed without it.
public struct Passage: Sendable, Codable, Equatable {
    public var title: String
    public var text: String
    /// Questions whose short answers the passage states; no question contains its answer.
    public var questions: [TaskItem]

    public init(title: String, text: String, questions: [TaskItem]) {
        self.title = title
        self.text = text
        self.questions = questions
    }
}

/// SEAL's evaluation set, made here (issue 16): passages about invented places, people,
/// ships and animals, with names built from syllables and random numbers and dates, so that
/// no pretraining can know the answers. Each passage has 3 to 5 questions with short exact
/// answers. The same seed gives the same passages on every machine.
public enum FictionalPassages {
    /// `count` passages, templates taken in turn, every name distinct across the set and none
    /// of its parts one of `words` (reasoning-gym's English list: an invented name must not
    /// be a word the model may know).
    public static func passages(count: Int, seed: UInt64, avoiding words: [String] = []) -> [Passage] {
        var names = NameMaker(seed: seed, avoiding: Set(words.map { $0.lowercased() }))
        return (0..<count).map { index in templates[index % templates.count](&names) }
    }

    /// Passages split by a seeded hash of their titles, as task items are (`TaskSplits`): 60%
    /// training (to fit the self-edit writer on), 20% validation, 20% test.
    public static func splits(_ passages: [Passage], seed: UInt64) -> (training: [Passage], validation: [Passage], test: [Passage]) {
        let byTitle = Dictionary(uniqueKeysWithValues: passages.map { ($0.title, $0) })
        let parts = TaskSplits(passages.map { TaskItem(task: "passage", prompt: $0.title, answer: 0) }, seed: seed)
        return (parts.training.map { byTitle[$0.prompt]! }, parts.validation.map { byTitle[$0.prompt]! }, parts.test.map { byTitle[$0.prompt]! })
    }

    typealias Template = @Sendable (inout NameMaker) -> Passage

    static let templates: [Template] = [city, inventor, voyage, animal, festival]

    static func item(_ prompt: String, _ answer: String) -> TaskItem { TaskItem(task: "passage", prompt: prompt, textAnswer: answer) }

    static func city(_ names: inout NameMaker) -> Passage {
        let (city, country, river, founder) = (names.place(), names.place(suffix: "ia"), names.word(), names.person())
        let year = names.number(1100...1899), export = names.pick(["copper", "salt", "wool", "glass", "tea", "timber", "silk", "tin"])
        return Passage(title: city, text: "\(city) is the capital of \(country). The river \(river) runs through it. \(city) was founded in \(year) by "
            + "\(founder), and its main export is \(export).",
            questions: [item("What is the capital of \(country)?", city), item("Which river runs through the capital of \(country)?", river),
                        item("In what year was \(city) founded?", String(year)), item("Who founded \(city)?", founder),
                        item("What is the main export of \(city)?", export)])
    }

    static func inventor(_ names: inout NameMaker) -> Passage {
        let (person, town, device, teacher) = (names.person(), names.place(), names.word(), names.person())
        let born = names.number(1700...1950), purpose = names.pick(["weighing rain", "spinning thread", "cooling milk", "counting stars", "drying fish"])
        return Passage(title: person, text: "\(person) was born in \(town) in \(born). She built the \(device), a machine for \(purpose). "
            + "Her teacher was \(teacher).",
            questions: [item("Where was \(person) born?", town), item("In what year was \(person) born?", String(born)),
                        item("What machine did \(person) build?", device), item("Who was the teacher of \(person)?", teacher)])
    }

    static func voyage(_ names: inout NameMaker) -> Passage {
        let (ship, port, captain, island) = (names.word(), names.place(), names.person(), names.place())
        let year = names.number(1500...1899), sailors = names.number(12...240)
        return Passage(title: "The voyage of the \(ship)", text: "The ship \(ship) left the port of \(port) in \(year), captained by \(captain). "
            + "It carried \(sailors) sailors to the island of \(island).",
            questions: [item("Which port did the ship \(ship) leave from?", port), item("Who captained the ship \(ship)?", captain),
                        item("How many sailors did the ship \(ship) carry?", String(sailors)), item("To which island did the ship \(ship) sail?", island)])
    }

    static func animal(_ names: inout NameMaker) -> Passage {
        let (animal, island, finder) = (names.word(), names.place(), names.person())
        let eggs = names.number(2...9), year = names.number(1750...1990), food = names.pick(["moss", "beetles", "seeds", "snails", "kelp", "berries"])
        return Passage(title: "The \(animal)", text: "The \(animal) is a bird found only on \(island). It eats \(food) and lays \(eggs) eggs a year. "
            + "It was first described by \(finder) in \(year).",
            questions: [item("On which island is the \(animal) found?", island), item("What does the \(animal) eat?", food),
                        item("How many eggs does the \(animal) lay a year?", String(eggs)), item("Who first described the \(animal)?", finder),
                        item("In what year was the \(animal) first described?", String(year))])
    }

    static let months = ["March", "April", "May", "June", "July", "August", "September", "October"]

    static func festival(_ names: inout NameMaker) -> Passage {
        let (festival, town, saint) = (names.word(), names.place(), names.person())
        let days = names.number(2...14), month = names.pick(months)
        return Passage(title: "The \(festival) festival", text: "Every \(month), the town of \(town) holds the \(festival) festival for \(days) days, "
            + "in honour of \(saint).",
            questions: [item("Which town holds the \(festival) festival?", town), item("In which month is the \(festival) festival held?", month),
                        item("For how many days does the \(festival) festival last?", String(days))])
    }
}

/// Invented names from syllables, never the same twice in one set, and numbers from ranges.
struct NameMaker {
    var random: RandomSource
    /// Names made so far, and words no name may be (lowercased).
    var used: Set<String> = []
    let avoided: Set<String>

    init(seed: UInt64, avoiding avoided: Set<String> = []) {
        random = RandomSource(seed: seed ^ 0x5345_414c)
        self.avoided = avoided
    }

    static let onsets = ["pl", "z", "qu", "br", "v", "m", "t", "k", "dr", "s", "gr", "f", "n", "l", "h", "th", "st", "b"]
    static let vowels = ["a", "e", "i", "o", "u", "ai", "eo", "ou"]
    static let codas = ["", "mt", "rb", "st", "n", "l", "x", "rk", "nd", "sk"]

    mutating func pick<T>(_ options: [T]) -> T { options[Int(random.next() % UInt64(options.count))] }

    mutating func number(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(random.next() % UInt64(range.count)) }

    /// A capitalised invented word of two syllables, distinct from every name made before.
    mutating func word(suffix: String = "") -> String {
        while true {
            let syllables = (0..<2).map { _ in pick(Self.onsets) + pick(Self.vowels) } + [pick(Self.codas), suffix]
            let name = syllables.joined().prefix(1).uppercased() + syllables.joined().dropFirst()
            if !avoided.contains(name.lowercased()), used.insert(name).inserted { return name }
        }
    }

    mutating func place(suffix: String = "") -> String { word(suffix: suffix) }

    /// A first and a family name.
    mutating func person() -> String { word() + " " + word() }
}
