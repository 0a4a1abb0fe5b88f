import Engine
import Foundation

// The response bodies `gesal serve` writes, in OpenAI's shapes, each with a `gesal` object
// that says what GESAL did: which interaction to give feedback on, which node answered.

struct Usage: Encodable, Sendable {
    var prompt_tokens: Int
    var completion_tokens: Int
    var total_tokens: Int

    init(_ answer: Engine.Answer) {
        prompt_tokens = answer.promptTokens
        completion_tokens = answer.responseTokens
        total_tokens = answer.promptTokens + answer.responseTokens
    }
}

/// What GESAL did for an answer: the interaction to give feedback on, the node that answered
/// and its adapter, and the log events that recorded it.
struct GESALInfo: Encodable, Sendable {
    var interaction: Int
    var node: Int
    var created_node: Bool
    var similarity: Float
    var adapter: String?
    var events: [UInt64]

    init(_ answer: Engine.Answer) {
        interaction = answer.interaction
        node = answer.node
        created_node = answer.createdNode
        similarity = answer.similarity
        adapter = answer.adapter
        events = [answer.sequences.lowerBound, answer.sequences.upperBound]
    }
}

extension Engine.Answer {
    /// OpenAI's finish reason: "length" when the answer used all the tokens it was allowed.
    var finishReason: String { responseTokens >= maxTokens ? "length" : "stop" }
    var completionID: String { "chatcmpl-gesal-\(interaction)" }
}

/// OpenAI's body for a whole answer, chat or text: one envelope around either kind of choice.
struct Completion<Choice: Encodable & Sendable>: Encodable, Sendable {
    var id: String
    var object: String
    var created: Int
    var model: String
    var choices: [Choice]
    var usage: Usage
    var gesal: GESALInfo

    init(_ answer: Engine.Answer, model: String, id: String, object: String, choice: Choice) {
        self.id = id
        self.object = object
        created = Int(Date().timeIntervalSince1970)
        self.model = model
        choices = [choice]
        usage = Usage(answer)
        gesal = GESALInfo(answer)
    }
}

struct ChatChoice: Encodable, Sendable {
    struct Message: Encodable, Sendable { var role = "assistant"; var content: String }
    var index = 0
    var message: Message
    var finish_reason: String
    var logprobs: String? = nil
}

extension Completion<ChatChoice> {
    /// `POST /v1/chat/completions`'s answer.
    init(chat answer: Engine.Answer, model: String) {
        self.init(answer, model: model, id: answer.completionID, object: "chat.completion",
                  choice: ChatChoice(message: ChatChoice.Message(content: answer.text), finish_reason: answer.finishReason))
    }
}

struct ChatChunk: Encodable, Sendable {
    struct Delta: Encodable, Sendable { var role: String?; var content: String? }
    struct Choice: Encodable, Sendable { var index = 0; var delta: Delta; var finish_reason: String?; var logprobs: String? = nil }
    var id: String
    var object = "chat.completion.chunk"
    var created: Int
    var model: String
    var choices: [Choice]
    var usage: Usage?
    var gesal: GESALInfo?
}

struct TextChoice: Encodable, Sendable {
    var index = 0
    var text: String
    var finish_reason: String
    var logprobs: String? = nil
}

extension Completion<TextChoice> {
    /// `POST /v1/completions`'s answer.
    init(text answer: Engine.Answer, model: String) {
        self.init(answer, model: model, id: "cmpl-gesal-\(answer.interaction)", object: "text_completion",
                  choice: TextChoice(text: answer.text, finish_reason: answer.finishReason))
    }
}

/// One embedding, as a list of numbers or (OpenAI's client asks for this by default) as the
/// base64 of its little-endian float32 bytes.
struct EmbeddingVector: Encodable, Sendable {
    var values: [Float]
    var base64: Bool

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if base64 {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(values.count * 4)
            for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
            try container.encode(Data(bytes).base64EncodedString())
        } else {
            try container.encode(values)
        }
    }
}

struct EmbeddingList: Encodable, Sendable {
    struct Item: Encodable, Sendable { var object = "embedding"; var index: Int; var embedding: EmbeddingVector }
    struct Tokens: Encodable, Sendable { var prompt_tokens: Int; var total_tokens: Int }
    var object = "list"
    var data: [Item]
    var model: String
    var usage: Tokens
}

struct ModelList: Encodable, Sendable {
    struct Model: Encodable, Sendable { var id: String; var object = "model"; var created: Int; var owned_by = "gesal" }
    var object = "list"
    var data: [Model]
}
