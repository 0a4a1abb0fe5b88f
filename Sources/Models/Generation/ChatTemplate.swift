/// How a chat turn is written for the model, chosen from the model's own metadata.
public enum ChatTemplate: String, Sendable, CaseIterable {
    /// `<|im_start|>role\n…<|im_end|>\n` (SmolLM, Qwen2).
    case chatML
    /// `<|start_header_id|>role<|end_header_id|>\n\n…<|eot_id|>` (Llama 3).
    case llama3
    /// `<s>[INST] … [/INST]` (Llama 2, Mistral).
    case llama2
    /// No template: the prompt is the text.
    case plain

    /// Reads GGUF's `tokenizer.chat_template` (a Jinja template) for the markers it uses.
    public init(jinja: String?) {
        guard let jinja else { self = .plain; return }
        if jinja.contains("<|im_start|>") {
            self = .chatML
        } else if jinja.contains("<|start_header_id|>") {
            self = .llama3
        } else if jinja.contains("[INST]") {
            self = .llama2
        } else {
            self = .plain
        }
    }

    public func render(user: String, system: String? = nil) -> String {
        switch self {
        case .chatML:
            let head = system.map { "<|im_start|>system\n\($0)<|im_end|>\n" } ?? ""
            return head + "<|im_start|>user\n\(user)<|im_end|>\n<|im_start|>assistant\n"
        case .llama3:
            let head = system.map { "<|start_header_id|>system<|end_header_id|>\n\n\($0)<|eot_id|>" } ?? ""
            return "<|begin_of_text|>" + head + "<|start_header_id|>user<|end_header_id|>\n\n\(user)<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n"
        case .llama2:
            let head = system.map { "<<SYS>>\n\($0)\n<</SYS>>\n\n" } ?? ""
            return "<s>[INST] " + head + user + " [/INST]"
        case .plain:
            return (system.map { $0 + "\n\n" } ?? "") + user
        }
    }

    /// Tokens that end the assistant's turn.
    public var endOfTurnTokens: [String] {
        switch self {
        case .chatML: ["<|im_end|>", "<|endoftext|>"]
        case .llama3: ["<|eot_id|>", "<|end_of_text|>"]
        case .llama2: ["</s>"]
        case .plain: []
        }
    }
}
