import GESAL
import Models

extension Engine {
    /// One question of a batch: what `ask` takes, and `onStart`, told the interaction's number
    /// before its answer is generated.
    public struct Question {
        public var prompt: String
        public var request: AnswerRequest?
        public var onStart: (Int) -> Void
        public var onText: (String) -> Void

        public init(_ prompt: String, request: AnswerRequest? = nil, onStart: @escaping (Int) -> Void = { _ in },
                    onText: @escaping (String) -> Void = { _ in }) {
            self.prompt = prompt
            self.request = request
            self.onStart = onStart
            self.onText = onText
        }
    }

    /// Questions that arrive while a batch is being answered, offered to it in the order they
    /// came (continuous batching). The engine takes one only when it can join the answers
    /// decoding now: it is askable, and its plan has the adapter they decode with and no
    /// rejected answer. The first offer it cannot take ends the offers to this batch; that
    /// question waits for the next one.
    public struct Admission {
        /// The next waiting question and a key to take it by, told how many answers are
        /// decoding; nil when none may join now (none waits, the batch is full, or a call that
        /// must run first is waiting).
        public var next: (_ running: Int) -> (key: Int, question: Question)?
        /// Takes the question offered under `key`; false when it is no longer offered.
        public var take: (_ key: Int) -> Bool

        public init(next: @escaping (_ running: Int) -> (key: Int, question: Question)?, take: @escaping (_ key: Int) -> Bool) {
            self.next = next
            self.take = take
        }

        /// No question joins.
        public static var none: Admission { Admission(next: { _ in nil }, take: { _ in false }) }
    }

    /// Asks `questions` and records each as `ask` would, but generates their answers
    /// together: routing depends on embeddings and nodes alone, so every plan is known first;
    /// the first attempts on one adapter decode as one batch (`LanguageModel.generate`, which
    /// answers as generating alone does). A question whose node rejected an answer before is
    /// answered alone (its retries sample again). Every question is checked before anything
    /// runs, and gets its interaction's number, in the order given, before its answer starts.
    ///
    /// Each interaction is recorded as soon as its answer is complete (a short answer does not
    /// wait for a long one before it), routed again on the state of that moment; the answer
    /// generated for its plan is kept when the plan still gives the same answer
    /// (`AnswerPlan.answersLike`), and is generated again otherwise. The log is the one that
    /// asking them one after another, in the order their answers completed, with those
    /// numbers, writes. `onAnswer` gets each answer when it is recorded, with its place.
    /// While the last adapter's answers decode, questions `admission` offers join them, after
    /// the given ones.
    public func ask(_ questions: [Question], admitting admission: Admission = .none,
                    onAnswer: (_ position: Int, Answer) -> Void = { _, _ in }) throws -> [Answer] {
        for question in questions { try Self.checkAskable(question.prompt, request: question.request, language: models.language) }
        let run = AskingRun(scratch: state)
        for question in questions { try plan(question, in: run) }
        for (position, question) in questions.enumerated() { question.onStart(run.numbers[position]) }
        let batchable = run.plans.indices.filter { run.plans[$0].rejected.isEmpty }
        // The last question's adapter decodes last, so that later questions can join it.
        let joinable: AdapterStack? = batchable.last == questions.count - 1 ? run.plans[questions.count - 1].stack : nil
        for adapter in Set(batchable.map { run.plans[$0].stack }).sorted(by: { ($0.key ?? "") < ($1.key ?? "") }) where adapter != joinable {
            try generate(batchable.filter { run.plans[$0].stack == adapter }, adapter: adapter, in: run, onAnswer: onAnswer)
        }
        for position in run.plans.indices where !run.plans[position].rejected.isEmpty {
            run.ready[position] = try answer(run.plans[position], onText: run.questions[position].onText)
        }
        try flush(run, onAnswer: onAnswer)
        if let adapter = joinable {
            try generate(batchable.filter { run.plans[$0].stack == adapter }, adapter: adapter, in: run, admission: admission, onAnswer: onAnswer)
        }
        try flush(run, onAnswer: onAnswer, all: true)
        return run.plans.indices.map { run.answers[$0]! }
    }

    /// Plans `question` on the run's scratch state, after the questions planned before it.
    private func plan(_ question: Question, in run: AskingRun) throws {
        let embedding = models.embedder.embed(question.prompt)
        let number = try interactionNumber(after: run)
        let (plan, routed) = Self.plan(prompt: question.prompt, embedding: embedding, interaction: number,
                                       request: question.request, in: run.scratch, threshold: config.similarityThreshold,
                                       expert: try dispatch(question.prompt, embedding: embedding, request: question.request))
        try run.scratch.apply(routed.event)
        run.add(question, embedding: embedding, plan: plan, number: number)
    }

    /// Generates the first attempts of `positions` (plans on the stack `adapter` without rejected
    /// answers) as one batch, or takes them from the cache, recording as they complete; and
    /// takes the questions `admission` offers that can join.
    private func generate(_ positions: [Int], adapter: AdapterStack, in run: AskingRun, admission: Admission = .none,
                          onAnswer: (Int, Answer) -> Void) throws {
        var decoding: [(position: Int, request: GenerationRequest)] = []
        /// The request for a planned question, or nil when the cache already answers it.
        func request(_ position: Int) -> GenerationRequest? {
            let plan = run.plans[position], context = plan.request?.context ?? ChatContext()
            let parameters = Answering.firstParameters(plan, maxTokens: config.maxTokens, storeSeed: state.created!.seed)
            if let known = generations.cached(adapter: adapter.key, context: context, prompt: plan.prompt, parameters: parameters) {
                run.ready[position] = RecordedAnswer(known, sampling: Answering.record(parameters))
                return nil
            }
            let request = GenerationRequest(prompt: plan.prompt, context: context, parameters: parameters, onText: run.questions[position].onText)
            decoding.append((position, request))
            return request
        }
        let requests = positions.compactMap(request)
        var joining = true
        /// The offered questions that can join now, taken and planned, as requests.
        func admit(running: Int) -> [GenerationRequest] {
            var admitted: [GenerationRequest] = []
            while joining, let offer = admission.next(running + admitted.count) {
                guard let position = join(offer, adapter: adapter, admission: admission, in: run) else {
                    joining = false
                    break
                }
                if let request = request(position) { admitted.append(request) }
            }
            return admitted
        }
        guard !requests.isEmpty || admission.next(0) != nil else { return }
        var failure: (any Error)?
        _ = try languageModel(adapter).generate(requests, admit: { running in failure == nil ? admit(running: running) : [] }) { index, generation in
            let (position, request) = decoding[index]
            generations.remember(generation, adapter: adapter.key, context: request.context, prompt: request.prompt, parameters: request.parameters)
            run.ready[position] = RecordedAnswer(generation, sampling: Answering.record(request.parameters))
            do { try flush(run, onAnswer: onAnswer) } catch { failure = failure ?? error }
        }
        if let failure { throw failure }
        try flush(run, onAnswer: onAnswer)
    }

    /// Takes an offered question when it can join a batch on `adapter`, and plans it; its
    /// place among the run's questions, or nil (and nothing taken) when it cannot join.
    private func join(_ offer: (key: Int, question: Question), adapter: AdapterStack, admission: Admission, in run: AskingRun) -> Int? {
        let question = offer.question
        guard (try? Self.checkAskable(question.prompt, request: question.request, language: models.language)) != nil else { return nil }
        let embedding = models.embedder.embed(question.prompt)
        let position = run.plans.count
        // A question dispatch cannot place does not join (it is answered on its own, where the error is its answer).
        let expert: ExpertUse?
        do { expert = try dispatch(question.prompt, embedding: embedding, request: question.request) } catch { return nil }
        guard let number = try? interactionNumber(after: run) else { return nil }
        let (plan, routed) = Self.plan(prompt: question.prompt, embedding: embedding, interaction: number,
                                       request: question.request, in: run.scratch, threshold: config.similarityThreshold, expert: expert)
        var scratch = run.scratch
        guard plan.rejected.isEmpty, plan.stack == adapter, (try? scratch.apply(routed.event)) != nil, admission.take(offer.key) else { return nil }
        run.scratch = scratch
        run.add(question, embedding: embedding, plan: plan, number: number)
        question.onStart(number)
        return position
    }

    /// The interaction number of the next question of `run`: the next one of this state for a
    /// writer alone; for a shared store, one it reserves for this worker (so the number a
    /// stream announces at its start stays the one recorded, whoever appends first).
    private func interactionNumber(after run: AskingRun) throws -> Int {
        let last = max(state.nextInteraction - 1, run.numbers.max() ?? 0)
        return try writer.reserveNumbers("interaction", count: 1, above: last)?.lowerBound ?? last + 1
    }

    /// Records the run's answers that are ready, in the order of their places (every one not
    /// recorded yet when `all`: an answer not ready is generated now), telling `onAnswer`.
    private func flush(_ run: AskingRun, onAnswer: (Int, Answer) -> Void, all: Bool = false) throws {
        let positions = all ? run.plans.indices.filter { run.answers[$0] == nil } : run.ready.keys.sorted()
        for position in positions {
            let question = run.questions[position]
            let answer = try record(prompt: question.prompt, embedding: run.embeddings[position], interaction: run.numbers[position],
                                    request: question.request) { plan in
                if plan.answersLike(run.plans[position]), let ready = run.ready[position] { return ready }
                return try self.answer(plan, onText: question.onText)
            }
            run.ready[position] = nil
            run.answers[position] = answer
            onAnswer(position, answer)
        }
    }
}

/// One `ask` of several questions: their plans on a scratch state (the state once the ones
/// planned before them are recorded), the answers ready for them, and those recorded so far.
private final class AskingRun {
    var scratch: EngineState
    private(set) var questions: [Engine.Question] = []
    private(set) var embeddings: [[Float]] = []
    private(set) var plans: [AnswerPlan] = []
    /// The interaction number each question records as, by place.
    private(set) var numbers: [Int] = []
    /// Answers generated for a question's plan, not yet recorded, by place.
    var ready: [Int: Engine.RecordedAnswer] = [:]
    /// Recorded answers, by place.
    var answers: [Int: Engine.Answer] = [:]

    init(scratch: EngineState) {
        self.scratch = scratch
    }

    func add(_ question: Engine.Question, embedding: [Float], plan: AnswerPlan, number: Int) {
        questions.append(question)
        embeddings.append(embedding)
        plans.append(plan)
        numbers.append(number)
    }
}
