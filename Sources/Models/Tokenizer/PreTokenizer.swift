/// Splits text into the pieces BPE runs on, exactly as the regular expressions these model
/// families publish, written as a scanner over Unicode scalars. `\p{L}` is a letter, `\p{N}` a
/// number, `\s` Unicode White_Space.
///
/// - `gpt2`:   `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
/// - `smollm`: the same with ` ?\p{N}` (one digit at a time)
/// - `llama3`: `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
/// - `qwen2`:  the same with `\p{N}` (one digit at a time)
public enum PreTokenizer: String, Sendable, CaseIterable {
    case gpt2, smollm, llama3, qwen2

    /// The kind named by GGUF's `tokenizer.ggml.pre`; nil for one GESAL does not know.
    public init?(ggufName: String) {
        switch ggufName {
        case "gpt2", "default", "gpt-2", "starcoder", "refact": self = .gpt2
        case "smollm": self = .smollm
        case "llama-bpe", "llama3", "llama-v3", "falcon3": self = .llama3
        case "qwen2", "deepseek-r1-qwen": self = .qwen2
        default: return nil
        }
    }

    public func split(_ text: String) -> [String] {
        let s = Array(text.unicodeScalars)
        var pieces: [String] = []
        var i = 0
        while i < s.count {
            let end = self == .gpt2 || self == .smollm ? gpt2Match(s, i) : llama3Match(s, i)
            var piece = String.UnicodeScalarView()
            piece.append(contentsOf: s[i..<end])
            pieces.append(String(piece))
            i = end
        }
        return pieces
    }

    private func gpt2Match(_ s: [Unicode.Scalar], _ i: Int) -> Int {
        if let end = contraction(s, i, ignoringCase: false) { return end }
        let afterSpace = s[i] == " " && i + 1 < s.count ? i + 1 : i
        if isLetter(s[afterSpace]) { return run(s, from: afterSpace, while: isLetter) }
        if isNumber(s[afterSpace]) { return self == .smollm ? afterSpace + 1 : run(s, from: afterSpace, while: isNumber) }
        if isOther(s[afterSpace]) { return run(s, from: afterSpace, while: isOther) }
        return whitespace(s, i)
    }

    private func llama3Match(_ s: [Unicode.Scalar], _ i: Int) -> Int {
        if let end = contraction(s, i, ignoringCase: true) { return end }
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if isLetter(s[i]) { return run(s, from: i, while: isLetter) }
        if !isNewline(s[i]) && !isNumber(s[i]) && i + 1 < s.count && isLetter(s[i + 1]) {
            return run(s, from: i + 1, while: isLetter)
        }
        if isNumber(s[i]) {
            let limit = self == .qwen2 ? 1 : 3
            var end = i
            while end < s.count && end - i < limit && isNumber(s[end]) { end += 1 }
            return end
        }
        // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
        let afterSpace = s[i] == " " && i + 1 < s.count ? i + 1 : i
        if isOther(s[afterSpace]) {
            return run(s, from: run(s, from: afterSpace, while: isOther), while: isNewline)
        }
        // \s*[\r\n]+ : the whitespace run up to and including its last newline
        let runEnd = run(s, from: i, while: isSpace)
        if let lastNewline = (i..<runEnd).last(where: { isNewline(s[$0]) }) { return lastNewline + 1 }
        return whitespace(s, i)
    }

    /// `'s|'t|'re|'ve|'m|'ll|'d`, optionally case-insensitive.
    private func contraction(_ s: [Unicode.Scalar], _ i: Int, ignoringCase: Bool) -> Int? {
        guard s[i] == "'", i + 1 < s.count else { return nil }
        func at(_ k: Int) -> Character? {
            guard k < s.count else { return nil }
            let c = Character(s[k])
            return ignoringCase ? Character(c.lowercased()) : c
        }
        if let c = at(i + 1), "stmd".contains(c) { return i + 2 }
        if let a = at(i + 1), let b = at(i + 2), ["re", "ve", "ll"].contains(String([a, b])) { return i + 3 }
        return nil
    }

    /// `\s+(?!\S)|\s+`: a whitespace run, less its last character when a non-space follows
    /// (that character then leads the next piece), unless the run is one character long.
    private func whitespace(_ s: [Unicode.Scalar], _ i: Int) -> Int {
        let end = run(s, from: i, while: isSpace)
        if end < s.count && end - i >= 2 { return end - 1 }
        return max(end, i + 1)
    }

    private func run(_ s: [Unicode.Scalar], from start: Int, while predicate: (Unicode.Scalar) -> Bool) -> Int {
        var end = start
        while end < s.count && predicate(s[end]) { end += 1 }
        return end
    }
}

@inline(__always) func isLetter(_ c: Unicode.Scalar) -> Bool {
    if c.isASCII { return (c.value | 0x20) >= 0x61 && (c.value | 0x20) <= 0x7A }
    switch c.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
    default: return false
    }
}

@inline(__always) func isNumber(_ c: Unicode.Scalar) -> Bool {
    if c.isASCII { return c.value >= 0x30 && c.value <= 0x39 }
    switch c.properties.generalCategory {
    case .decimalNumber, .letterNumber, .otherNumber: return true
    default: return false
    }
}

@inline(__always) func isSpace(_ c: Unicode.Scalar) -> Bool {
    c.properties.isWhitespace
}

@inline(__always) func isNewline(_ c: Unicode.Scalar) -> Bool {
    c == "\r" || c == "\n"
}

/// `[^\s\p{L}\p{N}]`
@inline(__always) func isOther(_ c: Unicode.Scalar) -> Bool {
    !isSpace(c) && !isLetter(c) && !isNumber(c)
}
