import Models

/// Model files as `gesal --model FILE` reads them.
enum ModelFileFuzzing {
    static func gguf(_ bytes: [UInt8]) -> FuzzOutcome {
        let path = ScratchFolder.file("model.gguf", bytes)
        return .of {
            let model = try LanguageModel.load(gguf: path)
            exercise(model.tokenizer)
            _ = model.template.render(user: "Hi")
        }
    }

    static func safetensors(_ bytes: [UInt8]) -> FuzzOutcome {
        let path = ScratchFolder.file("model.safetensors", bytes)
        return .of {
            let file = try SafetensorsFile(path: path)
            for (name, tensor) in file.tensors.sorted(by: { $0.key < $1.key }) {
                _ = try file.floats(name, shape: tensor.shape)
            }
        }
    }

    /// Encodes and decodes a text with characters from several scripts, digits and a special
    /// token's spelling: what a loaded tokenizer does first in every ask.
    static func exercise(_ tokenizer: any Tokenizer) {
        let ids = tokenizer.encode("Hello, wörld! 123 <|im_end|> 日本語 \n\t ")
        _ = tokenizer.decode(ids)
        _ = tokenizer.decode([0, 1, -1, tokenizer.vocabularySize, Int.max])
    }
}
