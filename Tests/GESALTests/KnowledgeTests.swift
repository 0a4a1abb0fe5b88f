import EventLog
@testable import GESAL
import TestSupport
import Testing

/// SEAL's facts in the fold: a passage, its self-edits, their scores and the kept one; what
/// the fold refuses, and how the state encodes it.
struct KnowledgeTests {
    static let quiz = [QuizQuestion(question: "Who founded Plimt?", answer: "Dra Voust"), QuizQuestion(question: "When was Plimt founded?", answer: "1742")]

    static func submitted(_ passage: Int = 1) -> PassageSubmitted {
        PassageSubmitted(passage: passage, title: "Plimt", text: "Plimt was founded in 1742 by Dra Voust.", questions: quiz, questionsBy: "user")
    }

    static func proposed(_ candidate: Int, passage: Int = 1) -> SelfEditProposed {
        SelfEditProposed(passage: passage, candidate: candidate, style: "implications", text: "Plimt is old.\nDra Voust founded a city.", seed: UInt64(candidate),
                         temperature: 1, topP: 0.95, maxTokens: 64)
    }

    static func scored(_ candidate: Int, passage: Int = 1, exactMatch: Float, contains: Float = 0, f1: Float, from: String? = nil) -> SelfEditScored {
        SelfEditScored(passage: passage, candidate: candidate, training: KnowledgeTraining(), sequences: 3, trainingLoss: 1.5, quizTokens: 8, exactMatch: exactMatch, containsAnswer: contains, f1: f1,
                       answers: ["Dra", "1742"], from: from, adapter: ExpertFixture.hash("passage \(passage) candidate \(candidate)"))
    }

    /// Passage 1 learned: the passage alone scores 0 / 0.2, edit 1 0.5 / 0.5, edit 2 0.5 / 0.7 (kept).
    static let learned: [DomainEvent] = [
        .storeCreated(ExpertFixture.created), .passageSubmitted(submitted()), .selfEditProposed(proposed(1)), .selfEditProposed(proposed(2)),
        .selfEditScored(scored(0, exactMatch: 0, f1: 0.2)), .selfEditScored(scored(1, exactMatch: 0.5, f1: 0.5)), .selfEditScored(scored(2, exactMatch: 0.5, f1: 0.7)),
        .selfEditChosen(SelfEditChosen(passage: 1, candidate: 2, adapter: ExpertFixture.hash("passage 1 candidate 2"), beatsPassage: true)),
    ]

    @Test func theKeptEditBecomesTheKnowledgeAdapter() throws {
        let state = try ExpertFixture.state(Self.learned)
        #expect(state.knowledge.adapter == ExpertFixture.hash("passage 1 candidate 2") && state.knowledge.passages[1]?.chosen == 2)
    }

    @Test func theBestEditIsKeptAndTheEarliestOfEquals() {
        #expect(SelfEditChosen.choice([Self.scored(0, exactMatch: 1, f1: 1), Self.scored(1, exactMatch: 0.5, f1: 0.5), Self.scored(2, exactMatch: 0.5, f1: 0.5)]) == 1,
                "the passage alone is the baseline, not a candidate, while an edit was scored")
        #expect(SelfEditChosen.choice([Self.scored(0, exactMatch: 0, f1: 0)]) == 0)
        #expect(SelfEditChosen.choice([]) == nil)
    }

    @Test func repliesThatContainTheAnswerCountBeforeF1() {
        #expect(SelfEditChosen.choice([Self.scored(1, exactMatch: 0, contains: 0, f1: 0.9), Self.scored(2, exactMatch: 0, contains: 0.4, f1: 0.1)]) == 2)
        #expect(SelfEditChosen.choice([Self.scored(1, exactMatch: 0.2, contains: 0, f1: 0), Self.scored(2, exactMatch: 0, contains: 1, f1: 1)]) == 1)
    }

    @Test func aLaterPassageTrainsFromTheKnowledgeAdapter() throws {
        let adapter = ExpertFixture.hash("passage 1 candidate 2")
        let next: [DomainEvent] = [.passageSubmitted(Self.submitted(2)), .selfEditScored(Self.scored(0, passage: 2, exactMatch: 0, f1: 0, from: adapter))]
        #expect(try ExpertFixture.state(Self.learned + next).knowledge.passages[2]?.scored.count == 1)
        let fresh: [DomainEvent] = [.passageSubmitted(Self.submitted(2)), .selfEditScored(Self.scored(0, passage: 2, exactMatch: 0, f1: 0))]
        #expect(throws: EngineError.self) { try ExpertFixture.state(Self.learned + fresh) }
    }

    @Test func aKeptEditThatIsNotTheBestIsRefused() {
        var events = Self.learned
        events[7] = .selfEditChosen(SelfEditChosen(passage: 1, candidate: 1, adapter: ExpertFixture.hash("passage 1 candidate 1"), beatsPassage: true))
        #expect(throws: EngineError.self) { try ExpertFixture.state(events) }
    }

    @Test func aChoiceThatMisstatesTheBaselineIsRefused() {
        var events = Self.learned
        events[7] = .selfEditChosen(SelfEditChosen(passage: 1, candidate: 2, adapter: ExpertFixture.hash("passage 1 candidate 2"), beatsPassage: false))
        #expect(throws: EngineError.self) { try ExpertFixture.state(events) }
    }

    @Test(arguments: [
        [DomainEvent.passageSubmitted(submitted(2))],  // a number skipped
        [.passageSubmitted(submitted()), .selfEditProposed(proposed(2))],  // a candidate skipped
        [.passageSubmitted(submitted()), .selfEditScored(scored(1, exactMatch: 0, f1: 0))],  // scored, never proposed
        [.passageSubmitted(submitted()), .selfEditScored(scored(0, exactMatch: 0, f1: 0)), .selfEditScored(scored(0, exactMatch: 0, f1: 0))],  // twice
        [.selfEditProposed(proposed(1))],  // no passage
    ])
    func aFactOutOfTurnIsRefused(events: [DomainEvent]) {
        #expect(throws: EngineError.self) { try ExpertFixture.state([.storeCreated(ExpertFixture.created)] + events) }
    }

    @Test func nothingIsProposedForALearnedPassage() {
        #expect(throws: EngineError.self) { try ExpertFixture.state(Self.learned + [.selfEditProposed(Self.proposed(3))]) }
    }

    @Test func theKnowledgeRoundTripsThroughTheStateEncodingAfterTheLibrary() throws {
        let state = try ExpertFixture.state(Self.learned + [.expertTrained(ExpertFixture.trained("adder"))])
        let decoded = try EngineState(encoded: state.encoded(), where: "the test")
        #expect(decoded == state && decoded.hash == state.hash)
        let alone = try ExpertFixture.state(Self.learned)
        #expect(try EngineState(encoded: alone.encoded(), where: "the test") == alone)
    }

    @Test func aStateWithoutKnowledgeKeepsItsBytes() throws {
        let without = try ExpertFixture.state([.storeCreated(ExpertFixture.created)])
        let with = try ExpertFixture.state(Self.learned)
        #expect(!without.encoded().contains(Array(EngineState.knowledgeTag.utf8)))
        #expect(Array(with.encoded().prefix(without.encoded().count)) == without.encoded(), "the knowledge is a section after the rest")
    }

    @Test func anAnswerWithAnotherKnowledgeAdapterIsRefused() throws {
        func asked(knowledge: String) -> DomainEvent {
            .interactionRecorded(InteractionRecorded(interaction: 1, prompt: "Who founded Plimt?", response: "Dra Voust", node: 1, embedding: Vector([1, 0]),
                                                     similarity: 1, adapter: nil,
                                                     sampling: SamplingRecord(temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1, maxTokens: 8, seed: 0),
                                                     promptTokens: 5, responseTokens: 2, knowledge: knowledge))
        }
        let node = DomainEvent.nodeCreated(NodeCreated(node: 1, interaction: 1, embedding: Vector([1, 0]), nearest: nil, similarity: nil))
        let kept = ExpertFixture.hash("passage 1 candidate 2")
        #expect(try ExpertFixture.state(Self.learned + [node, asked(knowledge: kept)]).interactions[1] != nil)
        #expect(throws: EngineError.self) { try ExpertFixture.state(Self.learned + [node, asked(knowledge: ExpertFixture.hash("other"))]) }
        #expect(asked(knowledge: kept).typeName == InteractionRecorded.knowledgeTypeName)
    }

    @Test func theFactsRoundTripThroughTheLog() throws {
        for fact in Self.learned.dropFirst() {
            let draft = try fact.draft()
            #expect(try DomainEvent(Event(sequence: 2, timeNanos: 0, type: draft.type, payload: draft.payload, blobs: [])) == fact)
        }
    }

    @Test func anEmptyPassageOrABadEditIsRefusedBeforeItIsWritten() {
        var empty = Self.submitted()
        empty.text = "  \n"
        #expect(throws: EngineError.self) { try DomainEvent.passageSubmitted(empty).checkInput() }
        var unquizzed = Self.submitted()
        unquizzed.questions = []
        #expect(throws: EngineError.self) { try DomainEvent.passageSubmitted(unquizzed).checkInput() }
        var styled = Self.proposed(1)
        styled.style = "poetry"
        #expect(throws: EngineError.self) { try DomainEvent.selfEditProposed(styled).checkInput() }
        #expect(throws: EngineError.self) { try DomainEvent.selfEditScored(Self.scored(1, exactMatch: .nan, f1: 0)).checkInput() }
    }

    // ReST-EM's writer rounds.

    static let winners = [SelfEditReference(passage: 1, candidate: 2)]

    static func round(_ round: Int, edits: [SelfEditReference] = winners) -> DomainEvent {
        .writerTrained(WriterTrained(round: round, edits: edits, training: KnowledgeTraining(), trainingLoss: 0.5, adapter: ExpertFixture.hash("writer \(round)")))
    }

    @Test func theWriterTrainsOnTheKeptEditsThatBeatTheirPassage() throws {
        let state = try ExpertFixture.state(Self.learned + [Self.round(1)])
        #expect(state.knowledge.writer == ExpertFixture.hash("writer 1"))
        #expect(state.knowledge.writerData.isEmpty, "the new writer has written nothing yet")
    }

    @Test func aWriterRoundOnOtherEditsIsRefused() {
        #expect(throws: EngineError.self) { try ExpertFixture.state(Self.learned + [Self.round(1, edits: [SelfEditReference(passage: 1, candidate: 1)])]) }
        #expect(throws: EngineError.self, "nothing is left for a second round") { try ExpertFixture.state(Self.learned + [Self.round(1), Self.round(2)]) }
        #expect(throws: EngineError.self, "rounds come in turn") { try ExpertFixture.state(Self.learned + [Self.round(2)]) }
    }

    @Test func aKeptEditThatDidNotBeatThePassageIsNoWriterData() throws {
        var events = Self.learned
        events[4] = .selfEditScored(Self.scored(0, exactMatch: 1, f1: 1))
        events[7] = .selfEditChosen(SelfEditChosen(passage: 1, candidate: 2, adapter: ExpertFixture.hash("passage 1 candidate 2"), beatsPassage: false))
        #expect(try ExpertFixture.state(events).knowledge.writerData.isEmpty)
    }

    @Test func aSelfEditMustBeWrittenByTheStoresWriter() throws {
        var byWriter = Self.proposed(1, passage: 2)
        byWriter.writer = ExpertFixture.hash("writer 1")
        let next: [DomainEvent] = [.passageSubmitted(Self.submitted(2)), .selfEditProposed(byWriter)]
        #expect(try ExpertFixture.state(Self.learned + [Self.round(1)] + next).knowledge.passages[2]?.proposed.count == 1)
        #expect(throws: EngineError.self, "the base model's edit after the writer was trained") {
            try ExpertFixture.state(Self.learned + [Self.round(1), .passageSubmitted(Self.submitted(2)), .selfEditProposed(Self.proposed(1, passage: 2))])
        }
    }

    @Test func theWriterRoundsRoundTripThroughTheStateEncoding() throws {
        let state = try ExpertFixture.state(Self.learned + [Self.round(1)])
        let decoded = try EngineState(encoded: state.encoded(), where: "test")
        #expect(decoded.knowledge.rounds == state.knowledge.rounds && decoded.hash == state.hash)
        #expect(try ExpertFixture.state(Self.learned).encoded() != state.encoded())
    }

    @Test func aSelfEditWithoutAWriterKeepsItsBytes() throws {
        #expect(try canonicalJSON(Self.proposed(1)).contains("writer") == false)
        #expect(try canonicalJSON(KnowledgeTraining()).contains("rehearse") == false)
    }
}
