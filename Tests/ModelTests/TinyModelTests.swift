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

    /// A cache cut back to a prefix continues exactly as one that only ever held the prefix,
    /// and a copy grows on its own without changing what it was copied from.
    @Test func aTruncatedCacheAndACopyContinueAsFreshOnes() throws {
        let model = try LlamaModel(gguf: GGUFFile(path: temporaryFile(TinyGGUF.llama(types: [.f32]).bytes())))
        var fresh = model.makeCache(capacity: 16)
        _ = model.forward([5, 77, 140], cache: &fresh)
        let expected = model.forward([9], cache: &fresh)

        var reused = model.makeCache(capacity: 16)
        _ = model.forward([5, 77, 140, 200, 31, 64], cache: &reused)
        let original = reused
        reused.truncate(to: 3)
        #expect(reused.count == 3)
        #expect(model.forward([9], cache: &reused).map(\.bitPattern) == expected.map(\.bitPattern))

        var copy = original
        copy.truncate(to: 3)
        _ = model.forward([9, 10], cache: &copy)
        var again = original
        let continued = model.forward([11], cache: &again)
        var check = model.makeCache(capacity: 16)
        _ = model.forward([5, 77, 140, 200, 31, 64], cache: &check)
        #expect(continued.map(\.bitPattern) == model.forward([11], cache: &check).map(\.bitPattern), "the copy's steps must not reach the original")
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

@Suite struct RopeScalingTests {
    private func logits(_ file: TinyGGUF) throws -> [Float] {
        let model = try LlamaModel(gguf: GGUFFile(path: temporaryFile(file.bytes())))
        var cache = model.makeCache(capacity: 8)
        return model.forward([3, 40, 50, 60, 70], cache: &cache)
    }

    private func close(_ a: [Float], _ b: [Float]) -> Bool { zip(a, b).allSatisfy { abs($0 - $1) < 1e-4 } }

    @Test func linearScalingAndFrequencyFactorsAreReadAndAgree() throws {
        let plain = TinyGGUF.llama(types: [.f32])
        var linear = plain
        linear.metadata += [("llama.rope.scaling.type", .string("linear")), ("llama.rope.scaling.factor", .float32(2))]
        var factors = plain
        let halfHead = 64 / 4 / 2
        factors.tensors.append(("rope_freqs.weight", [halfHead], .f32, (0..<halfHead).flatMap { _ in withUnsafeBytes(of: Float(2).bitPattern.littleEndian) { Array($0) } }))
        let config = try LlamaModel(gguf: GGUFFile(path: temporaryFile(linear.bytes()))).config
        #expect(config.ropeScale == 2)
        // Halving every frequency is the same as halving every position.
        #expect(close(try logits(linear), try logits(factors)))
        #expect(!close(try logits(linear), try logits(plain)), "scaling must change something")
    }

    @Test func unsupportedScalingIsRefused() {
        var yarn = TinyGGUF.llama(types: [.f32])
        yarn.metadata += [("llama.rope.scaling.type", .string("yarn"))]
        #expect {
            _ = try LlamaModel(gguf: GGUFFile(path: temporaryFile(yarn.bytes())))
        } throws: { "\($0)".contains("RoPE scaling 'yarn' is not supported") }
    }

    @Test func llama3FactorsFollowThePublishedFormula() {
        let factors = LlamaConfig.llama3FrequencyFactors(headDim: 128, base: 500_000, factor: 8, lowFrequencyFactor: 1,
                                                         highFrequencyFactor: 4, originalContext: 8192)
        #expect(factors.first == 1, "the fastest rotations are kept")
        #expect(factors.last == 8, "the slowest are slowed by the full factor")
        #expect(zip(factors, factors.dropFirst()).allSatisfy { $0 <= $1 }, "and they rise in between")
    }
}
