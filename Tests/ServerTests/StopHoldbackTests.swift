@testable import Server
import Testing

/// The streamed text never shows a stop string's start that the final answer cuts off.
struct StopHoldbackTests {
    /// Streams `pieces` and finishes with `answer`, as the chat route does.
    func streamed(_ pieces: [String], stops: [String], answer: String) -> (sent: [String], total: String) {
        var holdback = StopHoldback(stops: stops)
        var sent = pieces.map { holdback.append($0) }
        sent.append(holdback.remainder(of: answer))
        return (sent, sent.joined())
    }

    @Test func withoutStopsEveryPieceGoesAtOnce() {
        let (sent, total) = streamed(["The", " answer", " is"], stops: [], answer: "The answer is")
        #expect(sent == ["The", " answer", " is", ""])
        #expect(total == "The answer is")
    }

    @Test func aStopStringSplitOverPiecesIsNeverSent() {
        // The generator saw "19\n" then "\n" completes the stop "\n\n": the answer is "19".
        let (sent, total) = streamed(["19", "\n"], stops: ["\n\n"], answer: "19")
        #expect(sent == ["19", "", ""])
        #expect(total == "19")
    }

    @Test func heldTextThatTurnsOutNotToBeAStopIsSentLater() {
        let (sent, total) = streamed(["a", "E", "N", "x"], stops: ["END"], answer: "aENx")
        #expect(sent == ["a", "", "", "ENx", ""])
        #expect(total == "aENx")
    }

    @Test func whatTheStreamMissedComesFromTheAnswer() {
        // A cached or resampled answer streams nothing; the whole answer follows at the end.
        let (sent, total) = streamed([], stops: [], answer: "19")
        #expect(sent == ["19"])
        #expect(total == "19")
    }
}
