import Foundation
import Testing
@testable import Models

@Suite struct TinyModelTests {
    @Test func aTinyRandomLlamaLoadsAndGenerates() throws {
        let path = temporaryFile(TinyGGUF.llama().bytes())
        let model = try LanguageModel.load(gguf: path)
        #expect(model.model.config.layers == 2 && model.model.config.kvHeads == 2)
        #expect(model.template == .chatML)
        #expect(model.tokenizer.encode("hello") == [3 + 256 + 2, 3 + Int(UInt8(ascii: "o"))], "merges apply, then single bytes")
        let generation = model.generate(prompt: "hi", parameters: SamplingParameters(maxTokens: 5))
        #expect(generation.promptTokens.first == 1, "ChatML starts with <|im_start|>")
        #expect(generation.tokens.count <= 5)
    }

    /// Prefill of a whole prompt and one-token decode steps must agree: the KV cache holds
    /// exactly what recomputing would.
    @Test func prefillAndDecodeStepsGiveTheSameLogits() throws {
        let model = try LlamaModel(gguf: GGUFFile(path: temporaryFile(TinyGGUF.llama(types: [.f32]).bytes())))
        let tokens = [5, 77, 140, 9, 200, 31, 64]
        var batch = model.makeCache(capacity: 16)
        let prefill = model.forward(tokens, cache: &batch)
        var stepwise = model.makeCache(capacity: 16)
        var last: [Float] = []
        for token in tokens { last = model.forward([token], cache: &stepwise) }
        let difference = zip(prefill, last).map { abs($0 - $1) }.max()!
        #expect(difference < 1e-4, "max logit difference \(difference)")
        // Splitting the prompt in two prefills agrees as well.
        var split = model.makeCache(capacity: 16)
        _ = model.forward(Array(tokens[0..<3]), cache: &split)
        let rest = model.forward(Array(tokens[3...]), cache: &split)
        #expect(zip(prefill, rest).map { abs($0 - $1) }.max()! < 1e-4)
    }

    @Test func everyQuantTypeLoadsInATinyModel() throws {
        for type in [GGMLType.f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0] {
            let file = try GGUFFile(path: temporaryFile(TinyGGUF.llama(types: [type]).bytes()))
            let model = try LlamaModel(gguf: file)
            var cache = model.makeCache(capacity: 4)
            let logits = model.forward([7, 8], cache: &cache)
            #expect(logits.allSatisfy { $0.isFinite }, "\(type.name)")
        }
    }
}
