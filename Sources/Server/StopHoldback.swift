/// The part of a streamed answer that is safe to send. The generator cuts a stop string off
/// only once it is complete, so text that could still be the start of one is held back until
/// the next piece shows it is not; the final answer then supplies whatever is left.
struct StopHoldback: Sendable {
    let stops: [String]
    private(set) var sent = ""
    private var held = ""

    init(stops: [String]) {
        self.stops = stops
    }

    /// Takes the next generated piece; returns the text that can be sent now.
    mutating func append(_ piece: String) -> String {
        held += piece
        let keep = longestStopPrefix(endingAt: held)
        let ready = String(held.dropLast(keep))
        held = String(held.suffix(keep))
        sent += ready
        return ready
    }

    /// What of the final answer has not been sent (empty when all has been).
    mutating func remainder(of answer: String) -> String {
        guard answer.hasPrefix(sent) else { return "" }
        let rest = String(answer.dropFirst(sent.count))
        sent = answer
        return rest
    }

    /// The length of the longest suffix of `text` that a stop string starts with.
    private func longestStopPrefix(endingAt text: String) -> Int {
        var longest = 0
        for stop in stops {
            for length in stride(from: min(stop.count - 1, text.count), to: longest, by: -1) where stop.hasPrefix(text.suffix(length)) {
                longest = length
                break
            }
        }
        return longest
    }
}
