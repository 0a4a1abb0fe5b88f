import EventLog
import GESAL
import Tasks

/// Transformer²'s dispatch, measured (docs/transformer2.md): a mixed stream of the library's
/// tasks' test items (never trained or validated on), answered by the base model, by each
/// expert alone, by the oracle (each item's own task's expert) and by each dispatch strategy,
/// with intervals, per task, and how often each strategy chose the item's own task's expert.
public struct DispatchEvaluation: Sendable, Codable {
    public struct Row: Sendable, Codable {
        /// "base", "expert NAME", "oracle", or a strategy's name.
        public var name: String
        public var result: Accuracy
        public var byTask: [String: Accuracy]
        /// The fraction of items for which the expert of the item's own task was chosen
        /// (a strategy's classification accuracy); nil for rows that do not choose.
        public var classification: Double?
    }

    /// The stream's tasks, and its items in order (each task's test part, interleaved).
    public var tasks: [String]
    public var items: [TaskItem]
    public var rows: [Row]

    /// The mixed stream of `experts`' tasks: each task's test part (under the settings of the
    /// task's best expert on validation), interleaved. `words` is read for word tasks.
    public static func stream(_ experts: [ExpertTrained], words: () throws -> [String]) throws -> [[TaskItem]] {
        let own = ownExperts(experts)
        return try own.keys.sorted().map { try ExpertTraining.splits(own[$0]!.settings, words: words).test }
    }

    /// Each task's expert: the best on validation of those trained on it (the first name of equals).
    static func ownExperts(_ experts: [ExpertTrained]) -> [String: ExpertTrained] {
        Dictionary(grouping: experts, by: \.settings.task).mapValues { group in
            group.sorted { $0.name < $1.name }.max { $0.curve[$0.kept].accuracy < $1.curve[$1.kept].accuracy }!
        }
    }

    /// Runs the comparison. `progress` sees (rows done, rows).
    public static func run(experts: [ExpertTrained], dispatcher: Dispatcher, strategies: [DispatchStrategy], blobs: any EventHistory, maxTokens: Int,
                           words: () throws -> [String], progress: (Int, Int) -> Void = { _, _ in }) throws -> DispatchEvaluation {
        let experts = experts.filter { $0.settings.task != ExpertTraining.classificationTask }  // the classifier answers no task
        guard !experts.isEmpty else { throw EngineError(.invalidRequest, "the library holds no trained expert to dispatch to (gesal expert train NAME --task T)") }
        let parts = try stream(experts, words: words)
        var items: [TaskItem] = []
        for index in 0..<(parts.map(\.count).max() ?? 0) { for part in parts where index < part.count { items.append(part[index]) } }
        let own = ownExperts(experts)
        let byName = Dictionary(uniqueKeysWithValues: experts.map { ($0.name, $0) })
        let evaluator = Evaluator(models: dispatcher.models, blobs: blobs, maxTokens: maxTokens)

        func row(_ name: String, choices: [String?], classified: Bool) throws -> Row {
            let correct = try evaluator.correct(items, adapters: choices.map { $0.map { byName[$0]!.adapter } })
            let tasks = Set(items.map(\.task)).sorted()
            let byTask = Dictionary(uniqueKeysWithValues: tasks.map { task in
                let indices = items.indices.filter { items[$0].task == task }
                return (task, Accuracy(correct: indices.count { correct[$0] }, items: indices.map { items[$0] }))
            })
            let right = items.indices.count { choices[$0].map { byName[$0]!.settings.task } == items[$0].task }
            return Row(name: name, result: Accuracy(correct: correct.count(where: \.self), items: items), byTask: byTask,
                       classification: classified ? Double(right) / Double(items.count) : nil)
        }

        let singles = experts.map(\.name).sorted()
        let total = 2 + singles.count + strategies.count
        var rows: [Row] = []
        rows.append(try row("base", choices: items.map { _ in nil }, classified: false))
        progress(rows.count, total)
        for name in singles {
            rows.append(try row("expert \(name)", choices: items.map { _ in name }, classified: false))
            progress(rows.count, total)
        }
        rows.append(try row("oracle", choices: items.map { own[$0.task]?.name }, classified: false))
        progress(rows.count, total)
        for strategy in strategies {
            let decisions = dispatcher.decide(items.map(\.prompt), strategy: strategy)
            rows.append(try row(strategy.rawValue, choices: decisions.map(\.expert), classified: true))
            progress(rows.count, total)
        }
        return DispatchEvaluation(tasks: own.keys.sorted(), items: items, rows: rows)
    }
}
