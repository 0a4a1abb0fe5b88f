import Foundation

/// Questions from a tab-separated file, one per line: `family<TAB>question<TAB>answer`. An
/// answer of digits is a number (checked as the first number of the response); any other is
/// a text (checked as a whole phrase). Blank lines and lines starting with `#` are skipped.
/// `gesal eval --items FILE` scores such a file; `scripts/control-candidates.tsv` is one.
public enum TaskFile {
    public struct ParseError: Error, CustomStringConvertible {
        public var path: String
        public var line: Int
        public var reason: String
        public var description: String { "\(path) line \(line): \(reason)" }
    }

    public static func load(_ path: String) throws -> [TaskItem] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ParseError(path: path, line: 0, reason: "cannot be read as UTF-8 text")
        }
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String = "the items") throws -> [TaskItem] {
        var items: [TaskItem] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if line.allSatisfy(\.isWhitespace) || line.hasPrefix("#") { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 3 else {
                throw ParseError(path: path, line: index + 1, reason: "has \(fields.count) tab-separated fields; family, question and answer are 3")
            }
            guard !fields[1].isEmpty, !fields[2].isEmpty else {
                throw ParseError(path: path, line: index + 1, reason: "the question and the answer must not be empty")
            }
            items.append(TaskItem(task: fields[0], prompt: fields[1], given: fields[2]))
        }
        guard !items.isEmpty else { throw ParseError(path: path, line: 0, reason: "holds no items") }
        return items
    }
}
