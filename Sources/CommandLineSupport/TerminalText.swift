/// Text from a user or a model, made safe to print: control characters (C0 but newline and
/// tab, DEL, C1) become visible escapes such as `\u{1B}`, so a prompt or an answer holding an
/// escape sequence cannot move the cursor, retitle the window or hide what follows.
public func terminalSafe(_ text: String) -> String {
    var out = ""
    out.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
    for scalar in text.unicodeScalars {
        let value = scalar.value
        let control = (value < 0x20 && scalar != "\n" && scalar != "\t") || (0x7F...0x9F).contains(value)
        if control {
            out += "\\u{" + String(value, radix: 16, uppercase: true) + "}"
        } else {
            out.unicodeScalars.append(scalar)
        }
    }
    return out
}
