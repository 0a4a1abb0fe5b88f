import EventLog
import GESAL
import Tasks

/// What `gesal-log bisect` asks of a point of history.
public enum BisectTest {
    /// How scored items judge a state.
    public enum Verdict: Sendable, Equatable {
        /// Good when at least this share of the items is right (1: every one).
        case minAccuracy(Double)
        /// Good when accuracy is at most this share below its value at `--good`.
        case maxDrop(Double)
    }

    /// Items answered as `gesal eval --at` would answer them. Their answers depend only on
    /// where each prompt routes and that node's adapter and rejected answers, so the search
    /// runs over the events that change those, and never scores one set of answers twice.
    case answers([TaskItem], Verdict)
    /// Anything else: called with a branch and a sequence, says whether the state after it is
    /// good. The search runs over every event that can change an answer.
    case external((_ branch: String, _ sequence: UInt64) throws -> (good: Bool, detail: String))
}

/// Finds the first event after which a test fails, between a point where it passes (`good`)
/// and one where it fails (`bad`), the way `git bisect` finds a commit: evaluate the midpoint,
/// keep the half that holds the change, repeat. The branch is replayed once, from the nearest
/// snapshot at or before `good`; the test runs only at points that could answer differently
/// from their neighbours. Nothing is written.
public struct Bisection {
    public struct Report: Sendable {
        public var branch: String
        public var good: UInt64
        public var bad: UInt64
        /// Events in (good, bad] that could change the test's outcome, in order.
        public var candidates: [UInt64]
        /// Learning steps (`AdapterUpdated`) in (good, bad].
        public var learningSteps: Int
        /// Every evaluation, in the order run: `good`, `bad`, then the search.
        public var steps: [Bisected.Step]
        /// Times the test really ran: a state that answers as one already judged is not run again.
        public var evaluations: Int
        /// For `.answers` tests, the accuracy at `good`.
        public var baseline: Double?
        /// The first event after which the test fails.
        public var culprit: UInt64
        public var culpritType: String
        /// What `rollback --exclude` takes to undo the culprit: the feedback behind a learning
        /// step or a rejected answer, the interaction behind a node's creation or move.
        public var inputs: [UInt64]
        /// The culprit and its inputs, one line each, as `gesal-log audit` tells them.
        public var audit: [String]
    }

    public let store: any EventHistory
    public let branch: String
    public let test: BisectTest
    /// The models answer `.answers` tests; `.external` tests do not need them.
    public let models: () throws -> EngineModels

    public init(store: any EventHistory, branch: String, test: BisectTest, models: @escaping () throws -> EngineModels) {
        self.store = store
        self.branch = branch
        self.test = test
        self.models = models
    }

    /// The search. `step` sees each evaluation as it finishes, with an estimate of those left.
    public func run(good: UInt64, bad: UInt64, step: (Bisected.Step, Int) -> Void = { _, _ in }) throws -> Report {
        let head = try store.head(of: branch)
        guard bad <= head else { throw EngineError(.invalidRequest, "--bad \(bad) is past the head of '\(branch)' (\(head))") }
        guard good >= 1 else { throw EngineError(.invalidRequest, "--good must be at least 1, the store's first event") }
        guard good < bad else { throw EngineError(.invalidRequest, "--good \(good) is not before --bad \(bad): the good point comes first") }

        let walk = try Walk(store: store, branch: branch, good: good, bad: bad, test: test, models: models)
        var steps: [Bisected.Step] = []
        var judge = Judge(walk: walk, test: test, blobs: store, models: models)
        let count = walk.candidates.count
        func evaluate(_ position: Int, remaining: Int) throws -> Bool {
            let (good, detail) = try judge.verdict(at: position)
            steps.append(Bisected.Step(sequence: walk.sequence(at: position), good: good, detail: detail))
            step(steps.last!, remaining)
            return good
        }
        let rounds = Self.ceilLog2(count)
        guard try evaluate(0, remaining: rounds + 1) else {
            throw EngineError(.invalidRequest, "the test already fails at --good \(good) (\(steps[0].detail)): choose an earlier --good")
        }
        guard try !evaluate(count, remaining: rounds) else {
            throw EngineError(.invalidRequest, "the test passes at --bad \(bad) (\(steps[1].detail)): there is no failure to find; choose a later --bad")
        }
        guard count > 0 else {
            throw EngineError(.invalidRequest, "no event in \(good + 1)...\(bad) changes what the test's prompts are answered with, yet its verdict "
                + "changed: the test does not depend on the store's answers alone")
        }
        // Invariant: the state after position `low` passes, the one after `high` fails.
        var low = 0, high = count
        while high - low > 1 {
            let middle = (low + high) / 2
            let remaining = Self.ceilLog2(high - low) - 1
            if try evaluate(middle, remaining: remaining) { low = middle } else { high = middle }
        }
        let culprit = walk.candidates[high - 1]
        let (inputs, audit) = walk.explain(culprit)
        return Report(branch: branch, good: good, bad: bad, candidates: walk.candidates, learningSteps: walk.learningSteps, steps: steps,
                      evaluations: judge.runs, baseline: judge.baseline, culprit: culprit, culpritType: walk.facts[culprit]!.typeName,
                      inputs: inputs, audit: audit)
    }

    /// Evaluations a search over `count` candidates needs at most, beyond the two ends.
    public static func ceilLog2(_ count: Int) -> Int {
        count <= 1 ? 0 : Int.bitWidth - (count - 1).leadingZeroBitCount
    }

    /// What `--exclude` did: the rollback, and the test run again on its branch.
    public struct Exclusion: Sendable {
        public var rollback: Rollback.Report
        public var retest: Bisected.Step
    }

    /// Re-runs the branch without the culprit's inputs into the new branch `name`
    /// (`rollback --exclude`), records the search there as `Bisected`, and runs the test on
    /// the new branch's head.
    public func exclude(_ report: Report, into name: String, writer: any HistoryWriter, models: EngineModels, test description: String,
                        progress: (Int, Int) -> Void = { _, _ in }) throws -> Exclusion {
        guard !report.inputs.isEmpty else {
            throw EngineError(.invalidRequest, "event \(report.culprit) (\(report.culpritType)) has no feedback or interaction to exclude")
        }
        let plan = try Rollback.plan(report.inputs, from: branch, into: name, in: writer.history)
        let rollback = try Rollback.run(plan, writer: writer, models: models,
                                        reason: "bisect: the first bad event for \(description) is \(report.culprit)", progress: progress)
        let bisected = Bisected(branch: branch, good: report.good, bad: report.bad, test: description, culprit: report.culprit,
                                excluded: report.inputs, steps: report.steps)
        // `name` is the branch the rollback just made; nothing else writes to it.
        try writer.append([try DomainEvent.bisected(bisected).draft()], to: name, expectedHead: nil)
        let retest = try verdict(on: rollback.state, branch: name, at: try writer.history.head(of: name), baselineFrom: report)
        return Exclusion(rollback: rollback, retest: retest)
    }

    /// The test on a state that is not on the walked branch (the branch `--exclude` made).
    func verdict(on state: EngineState, branch: String, at sequence: UInt64, baselineFrom report: Report) throws -> Bisected.Step {
        switch test {
        case .external(let run):
            let (good, detail) = try run(branch, sequence)
            return Bisected.Step(sequence: sequence, good: good, detail: detail)
        case .answers(let items, let verdict):
            let models = try models()
            let answers = try Evaluator(models: models, state: state, blobs: store).answers(items)
            let (good, detail) = Judge.judge(answers, verdict: verdict, baseline: report.baseline ?? 0)
            return Bisected.Step(sequence: sequence, good: good, detail: detail)
        }
    }
}

extension Bisection {
    /// One pass over (good, bad]: which events could change the test's outcome, and for an
    /// `.answers` test, what each prompt is answered with after each of them.
    struct Walk {
        let branch: String
        let good: UInt64
        let bad: UInt64
        var candidates: [UInt64] = []
        var learningSteps = 0
        /// For `.answers`: the plans at `good` (index 0) and after each candidate.
        var plans: [[AnswerPlan]] = []
        /// The state at `good`: the store's settings for answering.
        var start = EngineState()
        var facts: [UInt64: DomainEvent] = [:]
        /// Every interaction and feedback through `bad`, by sequence, for the culprit's inputs
        /// (which may come before `good`).
        var interactionAt: [Int: UInt64] = [:]
        var interactions: [Int: InteractionRecorded] = [:]
        var feedback: [UInt64: FeedbackRecorded] = [:]

        init(store: any EventHistory, branch: String, good: UInt64, bad: UInt64, test: BisectTest, models: () throws -> EngineModels) throws {
            self.branch = branch
            self.good = good
            self.bad = bad
            try store.forEachEvent(branch: branch, through: good) { event in
                guard InteractionRecorded.typeNames.contains(event.type) || FeedbackRecorded.typeNames.contains(event.type) else { return }
                note(try DomainEvent(event), at: event.sequence)
            }
            var state = try Replay.run(store, branch: branch, through: good).state
            guard state.created != nil else { throw EngineError(.invalidRequest, "branch '\(branch)' is not a GESAL history (no StoreCreated)") }
            start = state
            var planner: ((EngineState) -> [AnswerPlan])?
            if case .answers(let items, _) = test {
                let models = try models()
                let embeddings = items.map { models.embedder.embed($0.prompt) }
                planner = { state in
                    let evaluator = Evaluator(models: models, state: state)
                    return items.indices.map { evaluator.plan(for: items[$0].prompt, embedding: embeddings[$0], index: $0) }
                }
                plans = [planner!(state)]
            }
            try store.forEachEvent(branch: branch, from: good + 1, through: bad) { event in
                let fact = try state.fold(event)
                note(fact, at: event.sequence)
                if case .adapterUpdated = fact { learningSteps += 1 }
                guard Self.mayChangeAnswers(fact) else { return }
                if let planner {
                    let now = planner(state)
                    guard now != plans.last else { return }
                    plans.append(now)
                }
                candidates.append(event.sequence)
                facts[event.sequence] = fact
            }
        }

        private mutating func note(_ fact: DomainEvent, at sequence: UInt64) {
            switch fact {
            case .interactionRecorded(let e): (interactionAt[e.interaction], interactions[e.interaction]) = (sequence, e)
            case .feedbackRecorded(let e): feedback[sequence] = e
            default: break
            }
        }

        /// The sequence of a search position: 0 is `good`, `candidates.count` is `bad`.
        func sequence(at position: Int) -> UInt64 {
            position == 0 ? good : position == candidates.count ? bad : candidates[position - 1]
        }

        /// Whether folding `fact` can change an answer: it moves routing (a node made or
        /// moved), an adapter, or a node's rejected answers (negative feedback).
        static func mayChangeAnswers(_ fact: DomainEvent) -> Bool {
            switch fact {
            case .nodeCreated, .nodeUpdated, .adapterUpdated: true
            case .feedbackRecorded(let e): e.reward < 0
            default: false
            }
        }

        /// The culprit's inputs (what `rollback --exclude` takes) and their audit lines: the
        /// culprit, the feedback among its inputs, and the interactions that feedback rated.
        func explain(_ culprit: UInt64) -> (inputs: [UInt64], audit: [String]) {
            let fact = facts[culprit]!
            var inputs: [UInt64]
            switch fact {
            case .feedbackRecorded: inputs = [culprit]
            case .adapterUpdated(let e):
                // The last feedback on each interaction the step consumed, before the step.
                inputs = Set(e.interactions).compactMap { id in feedback.filter { $0.key < culprit && $0.value.interaction == id }.keys.max() }.sorted()
            case .nodeCreated(let e): inputs = interactionAt[e.interaction].map { [$0] } ?? []
            case .nodeUpdated(let e): inputs = interactionAt[e.interaction].map { [$0] } ?? []
            default: inputs = []
            }
            var audit = ["event \(culprit): " + Audit.describe(fact, interactions)]
            for input in inputs where input != culprit {
                if let rated = feedback[input] { audit.append("event \(input): " + Audit.describe(.feedbackRecorded(rated), interactions)) }
            }
            let rated = Set(inputs.compactMap { feedback[$0]?.interaction }).union(inputs.compactMap { input in interactionAt.first { $0.value == input }?.key })
            for id in rated.sorted() {
                if let at = interactionAt[id], let recorded = interactions[id] {
                    audit.append("event \(at): " + Audit.describe(.interactionRecorded(recorded), interactions))
                }
            }
            return (inputs, audit)
        }
    }

    /// Runs the test at positions of the walk: 0 is `good`, `candidates.count` is `bad`.
    /// Answers are kept by plan, so a state that answers as an earlier one is not scored again.
    struct Judge {
        let walk: Walk
        let test: BisectTest
        let blobs: any EventHistory
        let models: () throws -> EngineModels
        private var evaluator: Evaluator?
        private var judged: [[AnswerPlan]: (good: Bool, detail: String)] = [:]
        /// The accuracy at `good`, which `.maxDrop` compares with.
        private(set) var baseline: Double?
        /// Times the test really ran (a state answering as one already judged is not run).
        private(set) var runs = 0

        init(walk: Walk, test: BisectTest, blobs: any EventHistory, models: @escaping () throws -> EngineModels) {
            self.walk = walk
            self.test = test
            self.blobs = blobs
            self.models = models
        }

        mutating func verdict(at position: Int) throws -> (good: Bool, detail: String) {
            switch test {
            case .external(let run):
                runs += 1
                return try run(walk.branch, walk.sequence(at: position))
            case .answers(let items, let verdict):
                let plans = walk.plans[position]
                if let known = judged[plans] { return known }
                if evaluator == nil { evaluator = Evaluator(models: try models(), state: walk.start, blobs: blobs) }
                runs += 1
                let answers = try evaluator!.answers(plans, for: items)
                if position == 0 { baseline = Double(answers.filter(\.correct).count) / Double(items.count) }
                let result = Self.judge(answers, verdict: verdict, baseline: baseline ?? 0)
                judged[plans] = result
                return result
            }
        }

        /// The verdict on scored answers; a single item's answer is quoted in the detail.
        static func judge(_ answers: [(response: String, correct: Bool)], verdict: BisectTest.Verdict, baseline: Double) -> (good: Bool, detail: String) {
            let right = answers.filter(\.correct).count
            let accuracy = Double(right) / Double(answers.count)
            let score = "\(right)/\(answers.count) right" + (answers.count == 1 ? ": answered " + Audit.quote(answers[0].response) : "")
            switch verdict {
            case .minAccuracy(let minimum):
                return (accuracy >= minimum - 1e-9, score)
            case .maxDrop(let drop):
                let fall = baseline - accuracy
                return (fall <= drop + 1e-9, score + String(format: ", %.1f points below --good", fall * 100))
            }
        }
    }
}
