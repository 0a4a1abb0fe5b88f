import Foundation

/// The words letter-counting items are made from: reasoning-gym's `words3to10.txt`, one word
/// per line, of which the purely alphabetic ones of 4 to 10 letters are used.
public enum WordList {
    public static let defaultPath = ".cache/models/reasoning_gym/data/words3to10.txt"

    public struct LoadError: Error, CustomStringConvertible {
        public var path: String
        public var description: String {
            "cannot read the word list \(path): run ./scripts/setup.sh to fetch reasoning-gym, or pass --words PATH"
        }
    }

    public static func load(_ path: String = defaultPath) throws -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw LoadError(path: path) }
        let words = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { (4...10).contains($0.count) && $0.allSatisfy(\.isLetter) }
        guard !words.isEmpty else { throw LoadError(path: path) }
        return words
    }
}
