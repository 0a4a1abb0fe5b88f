import EventLog
import GESAL

/// What scoring an expert needs from its store: its adapter, and the prompts it must not be
/// scored on (those it trained or validated on), so a score is never on what taught it.
public enum ExpertScoring {
    public static func adapter(of name: String, in state: EngineState, log: LogStore, branch: String) throws -> (blob: String, seen: Set<String>) {
        guard let expert = state.experts[name] else { throw state.unknownExpert(name, branch: branch) }
        var seen: Set<String> = []
        for event in try log.events(branch: branch) where event.type == ExpertTrained.typeName {
            if case .expertTrained(let e) = try DomainEvent(event), e.name == name {
                seen = Set((e.training + e.validation).map(\.prompt))
            }
        }
        return (expert.adapter, seen)
    }
}
