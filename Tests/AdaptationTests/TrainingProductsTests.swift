import Testing
@testable import Adaptation
import Models
@testable import Tensor

/// What a store records of its learning kernel, and the passes' products: each kernel a
/// training pass can run on gives the same loss and gradients up to rounding, bits of its
/// own, and the same bits at any thread count.
@Suite struct TrainingProductsTests {
    // 160 outputs in the MLP: enough for the products to split them over two threads.
    static let model = TinyLlama.make(width: 24, hidden: 160)
    static let tokens = [3, 17, 5, 29, 11, 2, 38, 7, 21, 4, 9]
    static let scored = [ScoredToken(position: 4, token: 2, weight: 1), ScoredToken(position: 9, token: 9, weight: -1)]

    /// A pass with SVF on every MLP matrix, as the engine's learning steps run.
    private func pass(_ products: TrainingProducts) throws -> TrainingPass {
        var bases: [LinearSite: SVFBasis] = [:]
        var adapters = AdapterSet(composition: .gesal)
        for layer in 0..<2 {
            for kind in [LinearKind.gate, .up, .down] {
                let site = LinearSite(layer: layer, kind: kind), (outputs, inputs) = Self.model.shape(kind)
                bases[site] = try SVFBasis(weight: TinyLlama.weight(Self.model, site), outputs: outputs, inputs: inputs)
                adapters.svf[site] = SVFComposition.gesal.identity(rank: bases[site]!.rank).enumerated().map { 1 + Float($0.offset % 5) * 0.03 }
            }
        }
        return TrainingPass(model: Self.model, bases: bases, adapters: adapters, products: products)
    }

    private func gradients(_ result: TrainingResult) -> [Float] {
        result.gradients.svf.keys.sorted().flatMap { result.gradients.svf[$0]! }
    }

    @Test func aStoreWithoutARecordLearnsWithOpenBLASAndEachRecordedNameReadsBack() {
        #expect(TrainingProducts(recordedName: nil) == .openBLAS && TrainingProducts.openBLAS.recordedName == nil)
        #expect(TrainingProducts(recordedName: "rows-portable") == .rows(.portable))
        for kernel in RowProducts.Kernel.available {
            let name = TrainingProducts.rows(kernel).recordedName
            #expect(name == (kernel == .portable ? "rows-portable" : "rows-fma"))
            #expect(TrainingProducts(recordedName: name)?.recordedName == name, "\(kernel)")
        }
        #expect(TrainingProducts(recordedName: "rows-avx1024") == nil && TrainingProducts(recordedName: "") == nil)
        #expect(Set(TrainingProducts.recordedNames.keys) == ["rows-fma", "rows-portable"])
    }

    @Test func aNewStoreLearnsWithTheRowKernelThisCPURuns() {
        #expect(TrainingProducts.best == .rows(RowProducts.Kernel.best))
    }

    @Test(arguments: RowProducts.Kernel.available)
    func eachKernelGivesOpenBLASsLossAndGradientsUpToRounding(kernel: RowProducts.Kernel) throws {
        let reference = try pass(.openBLAS).run(tokens: Self.tokens, scored: Self.scored)
        let rows = try pass(.rows(kernel)).run(tokens: Self.tokens, scored: Self.scored)
        #expect(abs(rows.loss - reference.loss) <= 1e-5 * max(1, abs(reference.loss)))
        let (a, b) = (gradients(rows), gradients(reference))
        let difference = zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
        let size = b.map { $0 * $0 }.reduce(0, +).squareRoot()
        #expect(a.count == b.count && difference <= 1e-4 * size, "relative difference \(difference / size)")
    }

    /// The record matters: a step re-executed on other products would not give the stored bits.
    @Test(arguments: RowProducts.Kernel.available)
    func eachKernelsBitsDifferFromOpenBLASs(kernel: RowProducts.Kernel) throws {
        let reference = try pass(.openBLAS).run(tokens: Self.tokens, scored: Self.scored)
        let rows = try pass(.rows(kernel)).run(tokens: Self.tokens, scored: Self.scored)
        #expect(gradients(rows) != gradients(reference) || rows.logProbabilities != reference.logProbabilities)
    }

    @Test(arguments: RowProducts.Kernel.available)
    func aKernelsBitsDoNotDependOnTheThreadCount(kernel: RowProducts.Kernel) throws {
        let threads = RowProducts.threads
        defer { RowProducts.threadCount.store(threads, ordering: .relaxed) }
        var results: [[Float]] = []
        for count in [1, 3] {
            RowProducts.threadCount.store(count, ordering: .relaxed)
            let result = try pass(.rows(kernel)).run(tokens: Self.tokens, scored: Self.scored)
            results.append(gradients(result) + result.logProbabilities)
        }
        #expect(results[0] == results[1])
    }
}
