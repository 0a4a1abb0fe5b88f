import Foundation

// The request bodies of OpenAI's HTTP API that `gesal serve` reads. Unknown fields are
// ignored, as OpenAI's own server does; fields that would change the answer in a way GESAL
// cannot honour (`n` > 1, tools, log-probabilities) are refused by `ChatRequest.check`.

/// A message's content: a string, or a list of parts of which only text parts are read.
struct MessageContent: Decodable, Sendable {
    var text: String

    struct Part: Decodable { var type: String; var text: String? }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            self.text = text
            return
        }
        let parts = try container.decode([Part].self)
        guard parts.allSatisfy({ $0.type == "text" && $0.text != nil }) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "only text content parts are supported")
        }
        text = parts.compactMap(\.text).joined(separator: "\n")
    }
}

struct ChatMessage: Decodable, Sendable {
    var role: String
    var content: MessageContent?
}

/// `stop`: one string or a list of them.
struct StopStrings: Decodable, Sendable {
    var strings: [String]

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let one = try? container.decode(String.self) {
            strings = [one]
        } else {
            strings = try container.decode([String].self)
        }
    }
}

/// The sampling fields chat and text completions share.
struct SamplingFields: Decodable, Sendable {
    var temperature: Float?
    var top_p: Float?
    var seed: Int64?
    var max_tokens: Int?
    var max_completion_tokens: Int?
    var stop: StopStrings?
    var n: Int?
    var stream: Bool?
    var logprobs: Bool?
}

struct ChatRequest: Decodable, Sendable {
    var model: String?
    var messages: [ChatMessage]
    /// Whether the request offered tools (GESAL answers in text only).
    var hasTools: Bool
    var sampling: SamplingFields

    enum CodingKeys: String, CodingKey { case model, messages, tools }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        messages = try container.decode([ChatMessage].self, forKey: .messages)
        hasTools = try container.contains(.tools) && !container.decodeNil(forKey: .tools)
        sampling = try SamplingFields(from: decoder)
    }
}

struct CompletionRequest: Decodable, Sendable {
    var model: String?
    var prompt: String
    var sampling: SamplingFields

    enum CodingKeys: String, CodingKey { case model, prompt }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        prompt = try container.decode(String.self, forKey: .prompt)
        sampling = try SamplingFields(from: decoder)
    }
}

/// `input`: one string or a list of them.
struct EmbeddingRequest: Decodable, Sendable {
    var model: String?
    var input: [String]
    var encoding_format: String?

    enum CodingKeys: String, CodingKey { case model, input, encoding_format }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        encoding_format = try container.decodeIfPresent(String.self, forKey: .encoding_format)
        if let one = try? container.decode(String.self, forKey: .input) {
            input = [one]
        } else {
            input = try container.decode([String].self, forKey: .input)
        }
    }
}

/// GESAL's own route: the same as `gesal feedback`.
struct FeedbackRequest: Decodable, Sendable {
    var interaction: Int
    var reward: Float
    var correction: String?
    var source: String?
}
