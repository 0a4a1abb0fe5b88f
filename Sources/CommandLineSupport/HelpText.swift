/// A `--help` discussion written as it reads in the source, unwrapped: the lines of each
/// prose paragraph are joined, so ArgumentParser wraps them once, to the terminal's width.
/// Indented lines (examples, tables), bullets and blank lines stay as written.
public func helpText(_ text: String) -> String {
    var lines: [String] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
        let isProse = !line.isEmpty && !line.hasPrefix(" ")
        let startsItem = line.hasPrefix("- ") || line.hasPrefix("* ")
        if isProse, !startsItem, let previous = lines.last, !previous.isEmpty, !previous.hasPrefix(" "), !previous.hasSuffix(":") {
            lines[lines.count - 1] = previous + " " + line
        } else {
            lines.append(line)
        }
    }
    return lines.joined(separator: "\n")
}
