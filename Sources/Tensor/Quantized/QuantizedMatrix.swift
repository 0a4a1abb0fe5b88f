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
        let activations = QuantizedActivations(x, rows: rows, inputs: inputs)
        let (kernel, format, rowBytes, outputs) = (Self.kernel(for: format), format, rowBytes, outputs)
        bytes.withUnsafeBytes { w in
            activations.values.withUnsafeBufferPointer { q in
                activations.scales.withUnsafeBufferPointer { d in
                    activations.sums.withUnsafeBufferPointer { s in
                        activations.scaledSums.withUnsafeBufferPointer { ds in
                            let view = BlockProducts.Rows(values: q.baseAddress!, scales: d.baseAddress!, sums: s.baseAddress!, scaledSums: ds.baseAddress!,
                                                          count: rows, blocksPerRow: inputs / QuantizedActivations.blockSize)
                            // Each worker writes its own outputs; the pointers are only shared to hand them over.
                            let (ws, ys, views) = (UnsafeSendable(w.baseAddress!), UnsafeSendable(y), UnsafeSendable(view))
                            WorkerPool.shared.split(outputs: outputs, threads: RowProducts.threads) { run in
                                BlockProducts.products(kernel, format, ws.value, rowBytes: rowBytes, views.value, outputs: run, stride: outputs,
                                                       into: ys.value, accumulate: accumulate)
                            }
                        }
                    }
                }
            }
        }
    }
}
