import Foundation
import Testing
import TestSupport
import EventLog
import GESAL
@testable import Engine
import SystemIO
import Tensor

/// A store remembers the model and embedder it was made with; an engine on others is refused
/// before it answers or learns, and nothing is appended. Another thread count or kernel set is
/// allowed with a warning (re-executed steps may differ in the last bits).
@Suite(.serialized, .enabled(if: RealModels.available, RealModels.missing)) struct StoreModelCheckTests {
    private func created(_ models: EngineModels, fingerprint: String? = nil, embedder: String? = nil, threads: Int? = nil, blasCore: String? = nil,
                         weights: WeightStorage? = nil, learningKernel: String? = nil) -> StoreCreated {
        StoreCreated(modelFingerprint: fingerprint ?? models.fingerprint, model: "SmolLM2-135M-Instruct.Q4_1.gguf", embedder: embedder ?? models.embedder.name,
                     threads: threads ?? models.threads, blasCore: blasCore ?? models.blasCore, seed: 0, config: EngineConfig(), weights: weights,
                     learningKernel: learningKernel)
    }

    @Test func anotherModelIsRefusedByItsFingerprint() throws {
        let models = try RealModels.models()
        #expect { try models.check(created(models, fingerprint: "0123456789abcdef")) } throws: { error in
            guard let error = error as? EngineError else { return false }
            return error.code == .mismatch && error.message.contains("fingerprint 0123456789ab") && error.message.contains("--model")
        }
    }

    @Test func anotherEmbedderIsRefusedByName() throws {
        let models = try RealModels.models()
        let other = models.embedder.name == "minilm" ? "hidden-mean" : "minilm"
        #expect { try models.check(created(models, embedder: other)) } throws: { error in
            (error as? EngineError).map { $0.code == .mismatch && $0.message.contains("'\(other)' embedder") } ?? false
        }
    }

    @Test func aStoreThatAnswersFromBlocksRefusesFloat32Weights() throws {
        let models = try RealModels.models()  // Float32, as every store before quantised decoding
        #expect(models.language.model.storage == .float32)
        #expect { try models.check(created(models, weights: .blocks)) } throws: { error in
            (error as? EngineError).map { $0.code == .mismatch && $0.message.contains("held as blocks") && $0.message.contains("--weights blocks") } ?? false
        }
    }

    @Test func aStoreWithoutWeightsAnswersFromFloat32AndKeepsItsBytes() throws {
        let models = try RealModels.models()
        #expect(try models.check(created(models)).isEmpty)
        let old = try JSONEncoder().encode(created(models))
        #expect(!String(decoding: old, as: UTF8.self).contains("weights"), "a Float32 store's StoreCreated is written as before")
        #expect(try JSONDecoder().decode(StoreCreated.self, from: old).weightStorage == .float32)
        let blocks = try JSONEncoder().encode(created(models, weights: .blocks))
        #expect(try JSONDecoder().decode(StoreCreated.self, from: blocks).weightStorage == .blocks)
    }

    /// Each storage after `blocks` is its own name: stores from before `blocks-lora-beside` say
    /// `blocks` and keep merging their LoRAs, stores from before `blocks-svf-q5` re-quantise SVF
    /// merges to Q8_0, stores from before `blocks-svf-int16` merge SVF in Float32. A store of
    /// one refuses a model loaded as another, by name.
    @Test(arguments: [WeightStorage.loraBeside, .svfQ5, .svfInt16])
    func aLaterStorageIsItsOwnName(storage: WeightStorage) throws {
        let models = try RealModels.models()
        let encoded = try JSONEncoder().encode(created(models, weights: storage))
        #expect(String(decoding: encoded, as: UTF8.self).contains("\"weights\":\"\(storage.rawValue)\""))
        #expect(try JSONDecoder().decode(StoreCreated.self, from: encoded).weightStorage == storage)
        #expect { try models.check(created(models, weights: storage)) } throws: { error in
            (error as? EngineError).map { $0.code == .mismatch && $0.message.contains("--weights \(storage.rawValue)") } ?? false
        }
    }

    @Test func anotherThreadCountOrKernelSetOnlyWarns() throws {
        let models = try RealModels.models()
        #expect(try models.check(created(models)).isEmpty)
        let warnings = try models.check(created(models, threads: models.threads + 1, blasCore: "SomeOtherCore"))
        #expect(warnings.count == 2 && warnings[0].contains("BLAS threads") && warnings[1].contains("SomeOtherCore"))
    }

    @Test func aStoreWithoutALearningKernelLearnsWithOpenBLASAndKeepsItsBytes() throws {
        let models = try RealModels.models()
        #expect(try EngineModels.learningProducts(created(models)) == .openBLAS)
        #expect(try models.check(created(models)).isEmpty)
        #expect(!String(decoding: try JSONEncoder().encode(created(models)), as: UTF8.self).contains("learningKernel"))
        let recorded = try JSONEncoder().encode(created(models, learningKernel: "rows-portable"))
        #expect(try JSONDecoder().decode(StoreCreated.self, from: recorded).learningKernel == "rows-portable")
    }

    @Test func aRecordedPortableKernelRunsAsRecordedOnAnyCPU() throws {
        let models = try RealModels.models()
        #expect(try EngineModels.learningProducts(created(models, learningKernel: "rows-portable")) == .rows(.portable))
        #expect(try models.check(created(models, learningKernel: "rows-portable")).isEmpty)
    }

    @Test func anUnknownLearningKernelIsRefusedByName() throws {
        let models = try RealModels.models()
        #expect { try models.check(created(models, learningKernel: "rows-avx1024")) } throws: { error in
            (error as? EngineError).map { $0.code == .mismatch && $0.message.contains("'rows-avx1024'") && $0.message.contains("rows-fma, rows-portable") } ?? false
        }
    }

    @Test func anEngineOnAStoreMadeWithAnotherModelAppendsNothing() throws {
        let models = try RealModels.models()
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-other-model")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try LogWriter.create(at: path + "/s")
        try writer.append([try DomainEvent.storeCreated(created(models, fingerprint: "0123456789abcdef")).draft()])
        #expect(throws: EngineError.self) { _ = try Engine(writer: writer, models: models) }
        #expect(try writer.store.head(of: "main") == 1)
        try writer.close()
    }
}
