import ArgumentParser
import CommandLineSupport
import Engine
import EventLog
import Foundation
import GESAL

struct AskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ask",
        abstract: "Answer a prompt through the store's graph memory, and record it.",
        discussion: helpText("""
        The prompt is embedded (MiniLM), routed to the most similar node (or a new one), and
        answered with that node's adapter: what earlier feedback on similar prompts taught.
        The answer is greedy; if the node was told before that this answer is wrong, GESAL
        samples another. The interaction is recorded in the log; its number is what
        `gesal feedback` takes.

        Examples:
          gesal ask "How many times does the letter r appear in the word strawberry?"
          gesal feedback 1 -          # wrong: reward -2, the node learns at once
          gesal ask --store lab --branch experiment "What is 12 + 7?"
          gesal ask --at 120 "What is 12 + 7?"   # as answered after event 120

        With --at, the prompt is answered by the branch's state as it was after that event
        (routed through that moment's nodes, with their adapters) and nothing is recorded.
        """))

    @OptionGroup var engine: EngineOptions

    @Argument(help: "The prompt.")
    var prompt: String

    @Option(help: ArgumentHelp("Choose the expert of the library this way instead of the store's setting: none, embedding, prompt or classifier.", valueName: "STRATEGY"))
    var dispatch: String?

    @Option(help: ArgumentHelp("Answer as the branch would have after this event (a sequence number or an ISO 8601 time), recording nothing.", valueName: "SEQ|TIME"))
    var at: String?

    func validate() throws {
        if let at { _ = try HistoryPoint(parsing: at, option: "--at") }
        if let dispatch {
            do { try DispatchSettings(strategy: dispatch).validate { _ in "--dispatch" } } catch { throw ValidationError(error.message) }
            guard at == nil else { throw ValidationError("--dispatch answers now: it takes no --at") }
        }
    }

    func run() throws {
        try reportingErrors {
            if let at { return try answerInThePast(at) }
            let opened = try engine.openEngine()
            let answer = try opened.ask(prompt, request: dispatch.map { AnswerRequest(dispatch: $0) })
            print(terminalSafe(answer.text))
            let adapter = (answer.expert.map { "expert \($0.name) by \($0.strategy)\($0.similarity.map { String(format: " %.3f", $0) } ?? "") · " } ?? "")
                + (answer.adapter.map { "adapter \($0.prefix(12))" } ?? "base model")
                + (answer.clusterAdapter.map { " · cluster \($0.cluster)'s adapter \($0.adapter.prefix(12))" } ?? "")
            let node = answer.createdNode ? "new node \(answer.node)" : "node \(answer.node) (similarity \(String(format: "%.3f", answer.similarity)))"
            writeStandardError("[interaction \(answer.interaction) · \(node) · \(adapter)]  feedback: gesal feedback \(answer.interaction) +|-\n")
        }
    }

    /// `--at`: the state replayed to that point answers; the store is only read.
    func answerInThePast(_ at: String) throws {
        guard let created = try Engine.storeCreated(at: engine.store, branch: engine.branch) else {
            throw ValidationError("--at needs a GESAL history, and branch '\(engine.branch)' of \(engine.storeShown) has none")
        }
        let store = try openHistory(engine.store)
        let replay = try HistoryPoint.replay(store, branch: engine.branch, at: at)
        let models = try engine.models.loadModels(embedder: created.embedder, svfTargets: created.config.svfTargets,
                                                  storage: created.weightStorage)
        let evaluator = try Evaluator(models: models, state: replay.state, blobs: store).dispatching(log: store, branch: engine.branch)
        let plan = evaluator.plan(for: prompt)
        print(terminalSafe(try evaluator.responses([plan])[0]))
        let route = (plan.adapter.map { "node \(plan.node) · adapter \($0.prefix(12))" } ?? (plan.node == 0 ? "no node near enough · base model" : "node \(plan.node) · base model"))
            + (plan.clusterAdapter.map { " · cluster \($0.cluster)'s adapter \($0.adapter.prefix(12))" } ?? "")
        writeStandardError("[as of event \(replay.sequence) · \(route) · nothing recorded]\n")
    }
}
