/// SEAL's part of the state (docs/seal.md): every passage given to learn, with its quiz, its
/// self-edits, their scores and the one kept, and the store's knowledge adapter.
extension EngineState {
    public struct Knowledge: Sendable, Equatable {
        public struct Learned: Sendable, Equatable {
            public var submitted: PassageSubmitted
            public var proposed: [SelfEditProposed] = []
            /// Scored candidates in the order scored (0: the passage alone).
            public var scored: [SelfEditScored] = []
            /// The candidate kept; nil while the passage is being learned.
            public var chosen: Int?
        }

        /// Passages by number.
        public var passages: [Int: Learned] = [:]
        /// The knowledge adapter: the kept candidate of the latest passage learned.
        public var adapter: String?
        /// ReST-EM's rounds in order; the last one's adapter writes the self-edits.
        public var rounds: [WriterTrained] = []

        public var isEmpty: Bool { passages.isEmpty && adapter == nil }
        /// The self-edit writer's adapter (nil: the base model writes).
        public var writer: String? { rounds.last?.adapter }

        /// What the next ReST-EM round trains on: every kept self-edit, written by the current
        /// writer, that beat the passage alone on its quiz, in passage order.
        public var writerData: [SelfEditReference] {
            passages.keys.sorted().compactMap { number in
                let learned = passages[number]!
                guard let chosen = learned.chosen, chosen > 0, learned.proposed.indices.contains(chosen - 1),
                      learned.proposed[chosen - 1].writer == writer,
                      let kept = learned.scored.first(where: { $0.candidate == chosen }), let alone = learned.scored.first(where: { $0.candidate == 0 }),
                      kept.beats(alone) else { return nil }
                return SelfEditReference(passage: number, candidate: chosen)
            }
        }
        /// The number the next passage gets (1 for the first).
        public var nextPassage: Int { (passages.keys.max() ?? 0) + 1 }
    }

    /// Folds SEAL's events. A passage is numbered in turn; its candidates are proposed in
    /// turn, scored once each, trained from the knowledge adapter the store has; the kept one
    /// is the one `SelfEditChosen.choice` picks, and becomes the knowledge adapter.
    mutating func applyKnowledge(_ event: DomainEvent) throws(EngineError) {
        func fail(_ message: String) -> EngineError { EngineError(.inconsistent, message) }
        func open(_ passage: Int) throws(EngineError) -> Knowledge.Learned {
            guard let learned = knowledge.passages[passage] else { throw fail("passage \(passage) was never submitted") }
            guard learned.chosen == nil else { throw fail("passage \(passage) is learned already (candidate \(learned.chosen!) was kept)") }
            return learned
        }
        switch event {
        case .passageSubmitted(let e):
            guard e.passage == knowledge.nextPassage else { throw fail("passage \(e.passage) is submitted where passage \(knowledge.nextPassage) comes next") }
            knowledge.passages[e.passage] = Knowledge.Learned(submitted: e)
        case .selfEditProposed(let e):
            let learned = try open(e.passage)
            guard e.candidate == learned.proposed.count + 1 else {
                throw fail("self-edit \(e.candidate) of passage \(e.passage) is proposed where candidate \(learned.proposed.count + 1) comes next")
            }
            guard e.writer == knowledge.writer else {
                throw fail("self-edit \(e.candidate) of passage \(e.passage) was written by \(e.writer.map { "writer \($0.prefix(12))" } ?? "the base model"), "
                    + "not the store's writer (\(knowledge.writer.map { String($0.prefix(12)) } ?? "the base model"))")
            }
            knowledge.passages[e.passage]!.proposed.append(e)
        case .selfEditScored(let e):
            let learned = try open(e.passage)
            guard e.candidate == 0 || learned.proposed.indices.contains(e.candidate - 1) else {
                throw fail("candidate \(e.candidate) of passage \(e.passage) is scored but was never proposed")
            }
            guard !learned.scored.contains(where: { $0.candidate == e.candidate }) else { throw fail("candidate \(e.candidate) of passage \(e.passage) is scored twice") }
            guard e.from == knowledge.adapter else {
                throw fail("candidate \(e.candidate) of passage \(e.passage) trained from adapter \(e.from.map { String($0.prefix(12)) } ?? "none"), "
                    + "not the store's knowledge adapter \(knowledge.adapter.map { String($0.prefix(12)) } ?? "none")")
            }
            guard e.answers.count == learned.submitted.questions.count else {
                throw fail("candidate \(e.candidate) of passage \(e.passage) answers \(e.answers.count) of the quiz's \(learned.submitted.questions.count) questions")
            }
            knowledge.passages[e.passage]!.scored.append(e)
        case .selfEditChosen(let e):
            let learned = try open(e.passage)
            guard let best = SelfEditChosen.choice(learned.scored), best == e.candidate,
                  let kept = learned.scored.first(where: { $0.candidate == best }), kept.adapter == e.adapter else {
                throw fail("passage \(e.passage) keeps candidate \(e.candidate), not the best scored one "
                    + "(\(SelfEditChosen.choice(learned.scored).map { "candidate \($0)" } ?? "none was scored"); tampered with?)")
            }
            let beats = learned.scored.first { $0.candidate == 0 }.map { kept.candidate > 0 && kept.beats($0) } ?? false
            guard e.beatsPassage == beats else { throw fail("passage \(e.passage) says its kept edit \(beats ? "does not beat" : "beats") the passage alone, which its scores contradict") }
            knowledge.passages[e.passage]!.chosen = e.candidate
            knowledge.adapter = e.adapter
        case .writerTrained(let e):
            guard e.round == knowledge.rounds.count + 1 else { throw fail("writer round \(e.round) is recorded where round \(knowledge.rounds.count + 1) comes next") }
            let data = knowledge.writerData
            guard !data.isEmpty, e.edits == data else {
                throw fail("writer round \(e.round) trains on \(e.edits.count) self-edits, not the \(data.count) kept ones that beat their passage alone; tampered with?")
            }
            knowledge.rounds.append(e)
        default:
            break
        }
    }
}
