/// Special tokens matched verbatim in the raw text before any other tokenisation, longest
/// first, so that "<|im_start|>" in a prompt is one token and never BPE'd apart.
struct SpecialTokens: Sendable {
    enum Piece: Equatable {
        case text(String)
        case special(Int)
    }

    private let entries: [(text: [Unicode.Scalar], id: Int)]

    init(ids: some Sequence<Int>, tokens: [String]) {
        entries = ids.map { (Array(tokens[$0].unicodeScalars), $0) }.filter { !$0.0.isEmpty }.sorted { $0.0.count > $1.0.count }
    }

    /// The text cut at every special token.
    func split(_ text: String) -> [Piece] {
        guard !entries.isEmpty else { return [.text(text)] }
        let s = Array(text.unicodeScalars)
        var pieces: [Piece] = []
        var start = 0, i = 0
        func flush(_ end: Int) {
            guard end > start else { return }
            var view = String.UnicodeScalarView()
            view.append(contentsOf: s[start..<end])
            pieces.append(.text(String(view)))
        }
        while i < s.count {
            if let match = entries.first(where: { $0.text.count <= s.count - i && s[i] == $0.text[0] && Array(s[i..<(i + $0.text.count)]) == $0.text }) {
                flush(i)
                pieces.append(.special(match.id))
                i += match.text.count
                start = i
            } else {
                i += 1
            }
        }
        flush(s.count)
        return pieces
    }
}
