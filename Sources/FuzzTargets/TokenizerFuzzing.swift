import Models

/// Tokenizer files as a Hugging Face checkpoint folder and the MiniLM embedder bring them.
enum TokenizerFuzzing {
    static func tokenizerJSON(_ bytes: [UInt8]) -> FuzzOutcome {
        let path = ScratchFolder.file("tokenizer.json", bytes)
        return .of { ModelFileFuzzing.exercise(try loadTokenizerJSON(path)) }
    }

    /// The input's lines are the vocabulary, with the three tokens BERT cannot do without added
    /// at the end (without them every input is refused at once and nothing deeper is reached);
    /// then the input itself, as text, is encoded with it.
    static func wordPiece(_ bytes: [UInt8]) -> FuzzOutcome {
        let text = String(decoding: bytes, as: UTF8.self)
        let path = ScratchFolder.file("vocab.txt", Array((text + "\n[UNK]\n[CLS]\n[SEP]\n").utf8))
        return .of {
            let tokenizer = try WordPiece(vocabularyFile: path)
            let ids = tokenizer.encode(text)
            _ = tokenizer.decode(ids)
        }
    }
}
