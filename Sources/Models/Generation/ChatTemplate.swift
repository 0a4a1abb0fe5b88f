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

    /// The text the model reads for `user`, after `context`'s system message and earlier
    /// turns, ending where the assistant's answer begins (the templates' `add_generation_prompt`).
    public func render(user: String, context: ChatContext = ChatContext()) -> String {
        let system = context.system
        let turns = context.turns.map { (role: $0.role.rawValue, text: $0.text) } + [(role: "user", text: user)]
        switch self {
        case .chatML:
            let head = system.map { "<|im_start|>system\n\($0)<|im_end|>\n" } ?? ""
            return head + turns.map { "<|im_start|>\($0.role)\n\($0.text)<|im_end|>\n" }.joined() + "<|im_start|>assistant\n"
        case .llama3:
            let head = system.map { "<|start_header_id|>system<|end_header_id|>\n\n\($0)<|eot_id|>" } ?? ""
            return "<|begin_of_text|>" + head + turns.map { "<|start_header_id|>\($0.role)<|end_header_id|>\n\n\($0.text)<|eot_id|>" }.joined()
                + "<|start_header_id|>assistant<|end_header_id|>\n\n"
        case .llama2:
            // The system message goes inside the first instruction; an answer closes its exchange.
            var text = ""
            var head = system.map { "<<SYS>>\n\($0)\n<</SYS>>\n\n" } ?? ""
            for turn in turns {
                if turn.role == "user" {
                    text += "<s>[INST] " + head + turn.text + " [/INST]"
                    head = ""
                } else {
                    text += " " + turn.text + " </s>"
                }
            }
            return text
        case .plain:
            return ([system].compactMap { $0 } + turns.map(\.text)).joined(separator: "\n\n")
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
