import Foundation

/// How far an answer agrees with a correction, as SQuAD's evaluation measures it: both texts
/// lower-cased, stripped of punctuation and of the articles "a", "an", "the", split on
/// white space. Exact match compares the token lists; token F1 is the harmonic mean of the
/// precision and recall of the shared tokens (as multisets).
public enum TextAgreement {
    public static func tokens(_ text: String) -> [String] {
        let kept = text.lowercased().unicodeScalars.filter { !CharacterSet.punctuationCharacters.contains($0) && !CharacterSet.symbols.contains($0) }
        return String(String.UnicodeScalarView(kept)).split(whereSeparator: \.isWhitespace).map(String.init)
            .filter { !["a", "an", "the"].contains($0) }
    }

    public static func exactMatch(_ answer: String, _ reference: String) -> Bool {
        tokens(answer) == tokens(reference)
    }

    /// 1 when both are empty after normalising, 0 when only one is.
    public static func tokenF1(_ answer: String, _ reference: String) -> Float {
        let predicted = tokens(answer), wanted = tokens(reference)
        guard !predicted.isEmpty || !wanted.isEmpty else { return 1 }
        var left = Dictionary(wanted.map { ($0, 1) }, uniquingKeysWith: +)
        var common = 0
        for token in predicted where (left[token] ?? 0) > 0 {
            left[token]! -= 1
            common += 1
        }
        guard common > 0 else { return 0 }
        let precision = Float(common) / Float(predicted.count), recall = Float(common) / Float(wanted.count)
        return 2 * precision * recall / (precision + recall)
    }
}
