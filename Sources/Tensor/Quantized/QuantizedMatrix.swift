import CKernels
import Dispatch

/// A linear layer's weights kept in a GGML block format, one row of blocks per output, so a
/// product reads the quantised bytes (a quarter to a sixth of Float32's) instead of floats.
/// `multiply` quantises the input rows (`QuantizedActivations`) and sums integer products
/// block by block (`BlockProducts`): y[b, j] = Σ_blocks contribution(block of w_j, block of x_b),
/// each row's sum in one fixed order whatever the rows, threads or kernel, so a sequence's
/// numbers are the same alone or in any batch, on any machine.
public struct QuantizedMatrix: Sendable {
    public let format: BlockFormat
    public let outputs: Int
    public let inputs: Int
    /// outputs × rowBytes bytes, GGUF's layout.
    public let bytes: [UInt8]

    public var rowBytes: Int { inputs / format.blockSize * format.blockBytes }

    public init(format: BlockFormat, outputs: Int, inputs: Int, bytes: [UInt8]) {
        precondition(inputs % format.blockSize == 0, "a row of \(inputs) inputs is not whole \(format.rawValue) blocks of \(format.blockSize)")
        precondition(bytes.count == outputs * (inputs / format.blockSize) * format.blockBytes, "\(bytes.count) bytes for \(outputs) rows of \(inputs) \(format.rawValue) inputs")
        self.format = format
        self.outputs = outputs
        self.inputs = inputs
        self.bytes = bytes
    }

    /// The kernels that compute `multiply`, each giving the same bits: portable Swift for every
    /// format, and for Q4_1, Q5_0, Q5_1 and Q8_0 C with AVX2 (and F16C), or with AVX-512 VNNI
    /// where the CPU has it.
    public enum Kernel: String, Sendable, CaseIterable {
        case portable
        case avx2
        case avx512VNNI = "avx512-vnni"

        /// Whether this kernel computes `format` on this CPU.
        public func runs(_ format: BlockFormat) -> Bool {
            let inC = BlockProducts.cFormat(format) != nil
            return switch self {
            case .portable: true
            case .avx2: inC && gesal_cpu_has_avx2_f16c() == 1
            case .avx512VNNI: inC && gesal_cpu_has_avx512_vnni() == 1
            }
        }

        /// The fastest kernel for `format` here.
        public static func best(for format: BlockFormat) -> Kernel {
            avx512VNNI.runs(format) ? .avx512VNNI : avx2.runs(format) ? .avx2 : .portable
        }
    }

    /// The kernel a task chose with `using`, for the products it runs (task-local, as
    /// `RowProducts.using`, so a comparison never changes other work's bits under it).
    @TaskLocal private static var chosen: Kernel?

    /// Runs `body` with `kernel` for every format it computes (the best kernel for the others):
    /// how tests and benchmarks compare kernels.
    public static func using<R>(_ kernel: Kernel, _ body: () throws -> R) rethrows -> R {
        try $chosen.withValue(kernel, operation: body)
    }

    /// The kernel `multiply` uses for `format` here.
    public static func kernel(for format: BlockFormat) -> Kernel {
        if let chosen, chosen.runs(format) { return chosen }
        return .best(for: format)
    }

    /// y[rows × outputs] = x[rows × inputs] · wᵀ, or y += it, with `kernel(for:)`. Outputs
    /// are split across `RowProducts.threads` threads in contiguous runs.
    public func multiply(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, accumulate: Bool = false) {
        Self.multiply(x, rows: rows, by: [Product(self, into: y, accumulate: accumulate)])
    }

    /// One of the products `multiply(_:rows:by:)` runs: a matrix and where its outputs go.
    public struct Product {
        public var matrix: QuantizedMatrix
        public var into: UnsafeMutablePointer<Float>
        public var accumulate: Bool

        public init(_ matrix: QuantizedMatrix, into: UnsafeMutablePointer<Float>, accumulate: Bool = false) {
            self.matrix = matrix
            self.into = into
            self.accumulate = accumulate
        }
    }

    /// Several matrices times the same rows x[rows × inputs] (a block's q, k and v, or its gate
    /// and up): the rows are quantised once for all of them, and the products are one job on
    /// the pool, worker i taking the i-th run of each, so the threads meet once instead of
    /// once a product. Each product's runs and sums are those it has alone: the same bits.
    public static func multiply(_ x: UnsafePointer<Float>, rows: Int, by products: [Product]) {
        guard let inputs = products.first?.matrix.inputs else { return }
        precondition(products.allSatisfy { $0.matrix.inputs == inputs }, "products of the same rows take the same inputs")
        let activations = QuantizedActivations(x, rows: rows, inputs: inputs)
        activations.values.withUnsafeBufferPointer { q in
            activations.scales.withUnsafeBufferPointer { d in
                activations.sums.withUnsafeBufferPointer { s in
                    activations.scaledSums.withUnsafeBufferPointer { ds in
                        let view = BlockProducts.Rows(values: q.baseAddress!, scales: d.baseAddress!, sums: s.baseAddress!, scaledSums: ds.baseAddress!,
                                                      count: rows, blocksPerRow: inputs / QuantizedActivations.blockSize)
                        withMatrices(products.map(\.matrix)) { weights in
                            // Each worker writes its own outputs; the pointers are only shared to hand them over.
                            let jobs = UnsafeSendable(zip(products, weights).map { product, w in
                                (product: product, weights: w, kernel: kernel(for: product.matrix.format),
                                 runs: WorkerPool.runs(outputs: product.matrix.outputs, threads: RowProducts.threads))
                            })
                            let views = UnsafeSendable(view)
                            WorkerPool.shared.run(workers: jobs.value.map(\.runs.count).max()!) { worker in
                                for (product, w, kernel, runs) in jobs.value where worker < runs.count {
                                    let m = product.matrix
                                    BlockProducts.products(kernel, m.format, w, rowBytes: m.rowBytes, views.value, outputs: runs[worker],
                                                           stride: m.outputs, into: product.into, accumulate: product.accumulate)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Runs `body` with the bytes of every matrix, each pointer valid for the whole call.
    private static func withMatrices(_ matrices: [QuantizedMatrix], _ body: ([UnsafeRawPointer]) -> Void) {
        var pointers: [UnsafeRawPointer] = []
        func next(_ i: Int) {
            guard i < matrices.count else { return body(pointers) }
            matrices[i].bytes.withUnsafeBytes { w in
                pointers.append(w.baseAddress!)
                next(i + 1)
            }
        }
        next(0)
    }
}
