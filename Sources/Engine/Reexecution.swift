import EventLog
import GESAL

/// `replay --reexecute`: folds a branch from the start and, at every recorded learning step,
/// runs the step again from the state before it and compares the result with what the log
/// says, bit for bit (adapter blob, optimiser blob, loss, and the guard's decision). An
/// adapter import is composed again from its LoRA blob and the node's adapter before it. A
/// LoRA search of SAGE's store trains and scores every candidate again.
public enum Reexecution {
    public struct Report: Sendable {
        public var steps = 0
        public var reproduced = 0
        /// Adapter imports whose composed adapter was computed again (counted in `steps` too).
        public var imports = 0
        /// LoRA searches of SAGE's store trained and scored again, every candidate (counted in
        /// `steps` too).
        public var searches = 0
        /// Experts of Transformer²'s library trained again, every checkpoint, and CEM mixes searched
        /// again, every generation (counted in `steps` too).
        public var experts = 0
        /// SEAL's facts run again: each passage's self-edits sampled again (one check a
        /// passage), each candidate trained and quizzed again, and each writer round trained
        /// again (counted in `steps` too).
        public var knowledge = 0
        /// One line per step that came out differently, naming the sequence and what differed.
        public var mismatches: [String] = []
        public var stateHash = ""
        /// Set-up differences that can explain mismatches (another thread count or kernel set).
        public var warnings: [String] = []
    }

    public static func verify(_ store: any EventHistory, branch: String = "main", models: EngineModels,
                              progress: (Int, Int) -> Void = { _, _ in }) throws -> Report {
        let events = try store.events(branch: branch)
        let checked = [AdapterUpdated.typeName, UpdateRejected.typeName, AdapterImported.typeName, AdapterTrained.typeName, ExpertTrained.typeName,
                       ExpertMixed.typeName, SelfEditScored.typeName, SelfEditChosen.typeName, WriterTrained.typeName]
        let total = events.filter { checked.contains($0.type) }.count
        var report = Report()
        var state = EngineState()
        let blob = { (hex: String) throws -> [UInt8] in try store.blob(hex: hex) }
        for event in events {
            let domain = try DomainEvent(event)
            if case .storeCreated(let created) = domain { report.warnings = try models.check(created) }
            let recorded: (node: Int, interactions: [Int], accepted: AdapterUpdated?)?
            switch domain {
            case .adapterUpdated(let e): recorded = (e.node, e.interactions, e)
            case .updateRejected(let e): recorded = (e.node, e.interactions, nil)
            default: recorded = nil
            }
            if case .adapterImported(let e) = domain, let config = state.created?.config {
                // The LoRA is an input; what the node's adapter became from it is checked.
                let composed = Hash256.of(try AdapterImporting.recompose(e, onto: try state.nodes[e.node]?.adapterBlob.map(blob), config: config,
                                                                          models: models, blob: blob)).hex
                report.imports += 1
                tally(&report, event.sequence, "node \(e.node)", composed == e.adapterBlob ? [] : ["imported adapter \(composed.prefix(12)) ≠ recorded \(e.adapterBlob.prefix(12))"],
                      total: total, progress: progress)
            }
            if case .adapterTrained(let e) = domain {
                let search = try LoRASearch.run(cluster: e.cluster, in: state, language: models.language)
                report.searches += 1
                tally(&report, event.sequence, "cluster \(e.cluster)", differences(search.event, e), total: total, progress: progress)
            }
            if case .expertTrained(let e) = domain {
                let again = try ExpertTraining.run(name: e.name, settings: e.settings, training: e.training, validation: e.validation,
                                                   targets: e.targets, models: models)
                report.experts += 1
                tally(&report, event.sequence, "expert \(e.name)", ExpertTraining.differences(again.event, e), total: total, progress: progress)
            }
            if case .expertMixed(let e) = domain {
                let again = try ExpertMixing.run(name: e.name, settings: e.settings, experts: Array(zip(e.experts, e.adapters)), shots: e.shots,
                                                 models: models, blob: blob)
                report.experts += 1
                tally(&report, event.sequence, "expert \(e.name)", ExpertMixing.differences(again.event, e), total: total, progress: progress)
            }
            if case .selfEditChosen(let e) = domain, let learned = state.knowledge.passages[e.passage] {
                // Every self-edit of the passage is folded by now: sampled again in one batch, as they were.
                let recorded = learned.proposed
                let writer = try models.writer(state.knowledge.writer, blob: blob)
                let texts = recorded.isEmpty ? [] : KnowledgeLearning.sample(recorded, of: learned.submitted, language: writer)
                var differences = zip(texts, recorded).filter { $0 != $1.text }.map { "self-edit \($1.candidate)'s text differs" }
                if learned.submitted.questionsBy == "model",
                   KnowledgeLearning.writeQuiz(title: learned.submitted.title, text: learned.submitted.text, language: models.language) != learned.submitted.questions {
                    differences.append("the quiz the model wrote differs")
                }
                report.knowledge += 1
                tally(&report, event.sequence, "passage \(e.passage)", differences, total: total, progress: progress)
            }
            if case .selfEditScored(let e) = domain, let learned = state.knowledge.passages[e.passage] {
                let edit = e.candidate == 0 ? nil : learned.proposed.first { $0.candidate == e.candidate }?.text
                let again = try KnowledgeLearning.train(learned.submitted, candidate: e.candidate, edit: edit,
                                                        rehearsal: KnowledgeLearning.rehearsal(state.knowledge, for: e.passage, training: e.training),
                                                        training: e.training, quizTokens: e.quizTokens, from: try e.from.map { ($0, try blob($0)) },
                                                        language: models.language)
                report.knowledge += 1
                tally(&report, event.sequence, "passage \(e.passage) candidate \(e.candidate)", KnowledgeLearning.differences(again.scored, e),
                      total: total, progress: progress)
            }
            if case .writerTrained(let e) = domain {
                let again = try KnowledgeLearning.trainWriter(round: e.round, edits: e.edits, of: state.knowledge, training: e.training, language: models.language)
                var differences: [String] = []
                if again.event.adapter != e.adapter { differences.append("writer adapter \(again.event.adapter.prefix(12)) ≠ recorded \(e.adapter.prefix(12))") }
                if again.event.trainingLoss.bitPattern != e.trainingLoss.bitPattern { differences.append("training loss \(again.event.trainingLoss) ≠ recorded \(e.trainingLoss)") }
                report.knowledge += 1
                tally(&report, event.sequence, "writer round \(e.round)", differences, total: total, progress: progress)
            }
            if let recorded {
                let step = try LearningStep.run(node: recorded.node, in: state, models: models, blob: blob)
                var differences: [String] = []
                if let accepted = recorded.accepted {
                    let adapter = Hash256.of(step.adapterBlob).hex
                    if step.rejection != nil { differences.append("the guard now rejects it") }
                    if adapter != accepted.adapterBlob { differences.append("adapter \(adapter.prefix(12)) ≠ recorded \(accepted.adapterBlob.prefix(12))") }
                    if Hash256.of(step.optimizerBlob).hex != accepted.optimizerBlob { differences.append("optimiser state differs") }
                    if step.loss.bitPattern != accepted.loss.bitPattern { differences.append("loss \(step.loss) ≠ recorded \(accepted.loss)") }
                } else if step.rejection == nil {
                    differences.append("the guard now accepts it")
                }
                if step.interactions != recorded.interactions { differences.append("consumed interactions \(step.interactions) ≠ \(recorded.interactions)") }
                tally(&report, event.sequence, "node \(recorded.node)", differences, total: total, progress: progress)
            }
            try state.apply(domain)
        }
        report.stateHash = state.hash.hex
        return report
    }

    private static func tally(_ report: inout Report, _ sequence: UInt64, _ subject: String, _ differences: [String], total: Int,
                              progress: (Int, Int) -> Void) {
        report.steps += 1
        if differences.isEmpty {
            report.reproduced += 1
        } else {
            report.mismatches.append("event \(sequence) (\(subject)): " + differences.joined(separator: "; "))
        }
        progress(report.steps, total)
    }

    /// How a search run again differs from the recorded one: the split, the base model's
    /// score, each candidate's adapter hash and figures, the choice.
    static func differences(_ again: AdapterTrained, _ recorded: AdapterTrained) -> [String] {
        var found: [String] = []
        if again.training != recorded.training || again.validation != recorded.validation { found.append("the split differs") }
        if again.base != recorded.base { found.append("the base model's score differs") }
        for (index, (a, r)) in zip(again.candidates, recorded.candidates).enumerated() where a != r {
            found.append(a.adapter != r.adapter ? "candidate \(index)'s adapter \(a.adapter.prefix(12)) ≠ recorded \(r.adapter.prefix(12))"
                                                : "candidate \(index)'s figures differ")
        }
        if again.candidates.count != recorded.candidates.count { found.append("\(again.candidates.count) candidates ≠ recorded \(recorded.candidates.count)") }
        if again.chosen != recorded.chosen { found.append("keeps \(again.chosen.map(String.init) ?? "none") ≠ recorded \(recorded.chosen.map(String.init) ?? "none")") }
        return found
    }
}
