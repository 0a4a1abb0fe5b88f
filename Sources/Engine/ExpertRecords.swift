import EventLog
import GESAL

/// What the library's records say beyond the state: the `ExpertTrained` events themselves
/// (their items, settings and curves), read from a branch of the log.
public enum ExpertRecords {
    /// The trained experts of `branch` that `keep` accepts, in log order.
    public static func trained(in log: any EventHistory, branch: String, where keep: (ExpertTrained) -> Bool = { _ in true }) throws -> [ExpertTrained] {
        try log.events(branch: branch).compactMap { event in
            guard event.type == ExpertTrained.typeName, case .expertTrained(let e) = try DomainEvent(event), keep(e) else { return nil }
            return e
        }
    }

    /// The library's active trained experts, as `state` (the branch's) holds them.
    public static func active(in log: any EventHistory, branch: String, state: EngineState) throws -> [ExpertTrained] {
        let library = Dictionary(uniqueKeysWithValues: state.activeExperts.map { ($0.name, $0.adapter) })
        return try trained(in: log, branch: branch) { library[$0.name] == $0.adapter }
    }

    /// What scoring expert `name` needs: its adapter, and the prompts it must not be scored on
    /// (those it trained or validated on, or a mix's shots), so a score is never on what taught it.
    public static func scoring(_ name: String, in state: EngineState, log: any EventHistory, branch: String) throws -> (blob: String, seen: Set<String>) {
        guard let expert = state.experts[name] else { throw state.unknownExpert(name, branch: branch) }
        var seen: Set<String> = []
        for event in try log.events(branch: branch) where [ExpertTrained.typeName, ExpertMixed.typeName].contains(event.type) {
            switch try DomainEvent(event) {
            case .expertTrained(let e) where e.name == name: seen.formUnion((e.training + e.validation).map(\.prompt))
            case .expertMixed(let e) where e.name == name: seen.formUnion(e.shots.map(\.prompt))
            default: break
            }
        }
        return (expert.adapter, seen)
    }
}
