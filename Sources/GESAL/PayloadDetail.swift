/// How much of a binary payload a decoder puts into the fact it makes. Every field is read and
/// checked either way (UTF-8, finite floats, names in order), so a payload is refused for the
/// same reasons; what changes is only whether a field the state will not keep is copied out.
/// A replay's fold asks for less: an interaction's embedding when the store has no SAGE buffer
/// (the state keeps it for the buffer alone), and the scores of an unjudged trigger (the state
/// counts it and keeps none of it). Those two were an array and a map of names an event, about
/// a tenth of a replay's instructions (callgrind, docs/benchmarks.md). Any other reader wants
/// the whole fact: `full`.
struct PayloadDetail: Sendable {
    /// Whether `InteractionRecorded.embedding` is copied out (else it is empty).
    var interactionEmbeddings = true
    /// Whether an unjudged `TriggerFired.scores` is read into its map (else it is empty).
    var unjudgedTriggerScores = true

    static let full = PayloadDetail()
}
