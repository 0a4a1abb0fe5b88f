import Tensor

/// A weight matrix of outputs × inputs, one row per output: dense Float32 (what training,
/// merged adapters and exports use), or the GGUF file's quantised blocks kept as they are
/// (a quarter to a sixth of the bytes a decode step reads), alone or with low-rank terms
/// beside them (LoRA on the blocks). All multiply row by row, so a sequence's numbers do not
/// depend on the rows beside it.
public enum LinearWeight: Sendable {
    case dense([Float])
    case blocks(QuantizedMatrix)
    /// W·x + Σ scale·B·(A·x): the blocks as they are, the terms in Float32.
    case blocksBeside(QuantizedMatrix, [LowRankTerm])

    /// The values as Float32: the array itself when dense, the blocks dequantised otherwise
    /// and any terms beside them added (a new array each time: callers that need it often
    /// keep it).
    public var floats: [Float] {
        switch self {
        case .dense(let values): return values
        case .blocks(let m): return m.dequantized
        case .blocksBeside(let m, let terms):
            var w = m.dequantized
            for term in terms { term.add(to: &w) }
            return w
        }
    }

    /// The bytes one product reads.
    public var byteCount: Int {
        switch self {
        case .dense(let values): values.count * MemoryLayout<Float>.size
        case .blocks(let m): m.bytes.count
        case .blocksBeside(let m, let terms): m.bytes.count + terms.reduce(0) { $0 + ($1.a.count + $1.b.count) * MemoryLayout<Float>.size }
        }
    }

    /// The blocks, or nil when dense.
    public var blocks: QuantizedMatrix? {
        switch self {
        case .dense: nil
        case .blocks(let m), .blocksBeside(let m, _): m
        }
    }

    /// The block format, or nil when dense.
    public var format: BlockFormat? { blocks?.format }

    /// y[rows × outputs] = x[rows × inputs] · wᵀ, or y += it: `RowProducts` when dense,
    /// `QuantizedMatrix`'s block products otherwise, then each term's beside them.
    public func multiply(_ x: UnsafePointer<Float>, rows: Int, outputs: Int, inputs: Int, into y: UnsafeMutablePointer<Float>, accumulate: Bool = false) {
        switch self {
        case .dense(let w):
            precondition(w.count == outputs * inputs, "a \(outputs) × \(inputs) product with \(w.count) weights")
            w.withUnsafeBufferPointer { RowProducts.multiply(x, rows: rows, $0.baseAddress!, outputs: outputs, inputs: inputs, into: y, accumulate: accumulate) }
        case .blocks(let m):
            precondition(m.outputs == outputs && m.inputs == inputs, "a \(outputs) × \(inputs) product with a \(m.outputs) × \(m.inputs) matrix")
            m.multiply(x, rows: rows, into: y, accumulate: accumulate)
        case .blocksBeside(let m, let terms):
            Self.blocks(m).multiply(x, rows: rows, outputs: outputs, inputs: inputs, into: y, accumulate: accumulate)
            for term in terms {
                precondition(term.outputs == outputs && term.inputs == inputs, "a \(outputs) × \(inputs) product with a \(term.outputs) × \(term.inputs) term")
                term.addProduct(x, rows: rows, into: y)
            }
        }
    }

    /// Copies row `r` (of `width` values) as Float32 into `out`: an embedding's look-up.
    public func copyRow(_ r: Int, width: Int, into out: UnsafeMutablePointer<Float>) {
        switch self {
        case .dense(let values):
            values.withUnsafeBufferPointer { out.update(from: $0.baseAddress! + r * width, count: width) }
        case .blocks(let m):
            m.bytes.withUnsafeBytes { raw in
                let row = UnsafeRawBufferPointer(rebasing: raw[(r * m.rowBytes)..<((r + 1) * m.rowBytes)])
                Dequantize.into(out, row, type: GGMLType(m.format), count: width)
            }
        case .blocksBeside(let m, let terms):
            Self.blocks(m).copyRow(r, width: width, into: out)
            for term in terms { term.addRow(r, into: out) }
        }
    }
}

extension QuantizedMatrix {
    /// The blocks dequantised to Float32, outputs × inputs.
    var dequantized: [Float] {
        bytes.withUnsafeBytes { Dequantize.floats($0, type: GGMLType(format), count: outputs * inputs) }
    }
}

extension GGMLType {
    /// The GGML type a block format is.
    public init(_ format: BlockFormat) {
        self = Self.allCases.first { $0.blockFormat == format }!
    }
}
