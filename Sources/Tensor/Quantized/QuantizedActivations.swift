import CKernels

/// Rows of activations quantised to signed bytes in blocks of 32, the way ggml's Q8_1 does, so
/// a weight block's product with them is a sum of integer products: per block a scale
/// d = max|x| / 127, values q = round(x · (1/d)) (halves away from zero), and the sum of q with
/// d · Σq beside it (what a format with a minimum, Q4_1 say, multiplies); CKernels'
/// `gesal_quantize_q8_blocks` computes them. One quantisation serves every weight format, the
/// K-quants included (their sub-blocks are 32 or 16 wide), and every kernel reads the same
/// bytes, so kernels differ only in how they add integers.
public struct QuantizedActivations: Sendable {
    public static let blockSize = 32

    public let rows: Int
    public let inputs: Int
    /// rows × inputs signed bytes.
    public private(set) var values: [Int8]
    /// One per block of 32, row by row: d.
    public private(set) var scales: [Float]
    /// One per block: Σq.
    public private(set) var sums: [Int32]
    /// One per block: d · Float(Σq).
    public private(set) var scaledSums: [Float]

    public var blocksPerRow: Int { inputs / Self.blockSize }

    /// Quantises rows × inputs floats; inputs must be a whole number of blocks.
    public init(_ x: UnsafePointer<Float>, rows: Int, inputs: Int) {
        precondition(inputs % Self.blockSize == 0, "quantised activations are whole blocks of \(Self.blockSize)")
        self.rows = rows
        self.inputs = inputs
        let blocks = rows * inputs / Self.blockSize
        values = [Int8](repeating: 0, count: rows * inputs)
        scales = [Float](repeating: 0, count: blocks)
        sums = [Int32](repeating: 0, count: blocks)
        scaledSums = [Float](repeating: 0, count: blocks)
        values.withUnsafeMutableBufferPointer { q in
            scales.withUnsafeMutableBufferPointer { d in
                sums.withUnsafeMutableBufferPointer { s in
                    scaledSums.withUnsafeMutableBufferPointer { ds in
                        gesal_quantize_q8_blocks(x, Int64(blocks), q.baseAddress!, d.baseAddress!, s.baseAddress!, ds.baseAddress!)
                    }
                }
            }
        }
    }
}
