import Foundation
import Testing
@testable import Models

/// A corpus of damaged GGUF files: each must be refused with a `ModelError` naming the file,
/// or load cleanly, and never crash the process.
@Suite struct CorruptGGUFTests {
    let valid = TinyGGUF.llama(layers: 1, width: 32, hidden: 64, heads: 2, kvHeads: 1).bytes()

    /// Opens `bytes` as a model the way `gesal ask` does; returns the error, or nil if it loaded.
    private func open(_ bytes: [UInt8]) -> ModelError? {
        let path = temporaryFile(bytes)
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        do {
            _ = try LanguageModel.load(gguf: path)
            return nil
        } catch {
            #expect(error.path == path, "the error names the file")
            return error
        }
    }

    /// Where the tensor data starts (after the header, aligned).
    private var dataStart: Int {
        let file = try! GGUFFile(path: temporaryFile(valid))
        return file.tensors.values.map(\.fileOffset).min()!
    }

    @Test func theValidFileLoads() {
        #expect(open(valid) == nil)
    }

    @Test func truncationAnywhereIsRefused() {
        var cuts = Array(0..<dataStart)
        cuts += stride(from: dataStart, to: valid.count, by: 97)
        for cut in cuts {
            let error = open(Array(valid[0..<cut]))
            #expect(error != nil, "cut at \(cut) was accepted")
            if cut >= dataStart, let error {
                #expect(error.code == .truncated && error.tensor != nil, "cut at \(cut): \(error)")
            }
        }
    }

    @Test func wrongMagicAndVersionsAreRefused() {
        var bytes = valid
        bytes[0] = UInt8(ascii: "X")
        #expect(open(bytes)?.code == .badMagic)
        for version: UInt32 in [0, 1, 4, 0xFFFF_FFFF] {
            bytes = valid
            withUnsafeBytes(of: version.littleEndian) { for i in 0..<4 { bytes[4 + i] = $0[i] } }
            #expect(open(bytes)?.code == .unsupportedVersion, "version \(version)")
        }
        #expect(open([])?.code == .badMagic)
    }

    @Test func absurdCountsAndLengthsAreRefused() {
        func patched(at offset: Int, _ value: UInt64) -> [UInt8] {
            var bytes = valid
            withUnsafeBytes(of: value.littleEndian) { for i in 0..<8 { bytes[offset + i] = $0[i] } }
            return bytes
        }
        #expect(open(patched(at: 8, 1 << 60))?.code == .invalid, "tensor count")
        #expect(open(patched(at: 16, 1 << 60))?.code == .invalid, "metadata count")
        #expect(open(patched(at: 24, 1 << 62))?.code == .truncated, "first key's length")
        #expect(open(patched(at: 24, UInt64.max)) != nil, "first key's length, all ones")
    }

    @Test func everyHeaderByteSetTo0xFFIsRefusedOrHarmless() {
        for offset in 0..<dataStart {
            var bytes = valid
            bytes[offset] = 0xFF
            _ = open(bytes)  // must return, either way
        }
    }

    @Test func randomFilesAreRefused() {
        var rng = RandomSource(seed: 5)
        for trial in 0..<100 {
            var bytes = (0..<Int(rng.next() % 4096)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if trial % 2 == 0 && bytes.count >= 8 {  // a plausible start, random after
                bytes.replaceSubrange(0..<8, with: Array("GGUF".utf8) + [3, 0, 0, 0])
            }
            #expect(open(bytes) != nil, "random file \(trial)")
        }
    }

    /// Found by fuzzing: a token-type array longer than the vocabulary made a control token id
    /// point past the token table.
    @Test func perTokenArraysMustMatchTheVocabulary() {
        var file = TinyGGUF.llama(layers: 1, width: 32, hidden: 64, heads: 2, kvHeads: 1)
        let index = file.metadata.firstIndex { $0.0 == "tokenizer.ggml.token_type" }!
        file.metadata[index].1 = .int32s(Array(repeating: 3, count: 400))
        let error = open(file.bytes())
        #expect(error?.code == .invalid && error?.message.contains("tokenizer.ggml.token_type") == true, "\(String(describing: error))")
    }

    @Test func shapeMismatchesNameTheTensor() {
        var file = TinyGGUF.llama(layers: 1, width: 32, hidden: 64, heads: 2, kvHeads: 1)
        let index = file.tensors.firstIndex { $0.name == "blk.0.ffn_up.weight" }!
        file.tensors[index].dims = [32, 32]
        file.tensors[index].data = Array(file.tensors[index].data.prefix(32 * 32 / 32 * file.tensors[index].type.blockBytes))
        let error = open(file.bytes())
        #expect(error?.code == .shapeMismatch && error?.tensor == "blk.0.ffn_up.weight", "\(String(describing: error))")
    }
}
