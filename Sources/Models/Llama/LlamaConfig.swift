import Foundation

/// Which dimensions RoPE rotates together.
public enum RopeStyle: String, Sendable, Equatable {
    /// (x[2i], x[2i+1]): GGUF's Llama and Mistral files, whose Q and K rows were permuted so.
    case interleaved
    /// (x[i], x[i + headDim/2]): Hugging Face checkpoints, and GGUF's Qwen2 ("NeoX" style).
    case halves
}

/// The shape of a Llama-family model (Llama 2/3, SmolLM, Qwen2, Mistral).
public struct LlamaConfig: Sendable, Equatable {
    public var vocabularySize: Int
    public var width: Int
    public var hiddenWidth: Int
    public var layers: Int
    public var heads: Int
    public var kvHeads: Int
    public var ropeBase: Double
    public var rmsEpsilon: Float
    public var contextLength: Int
    public var ropeStyle: RopeStyle
    /// Linear RoPE scaling: positions are divided by this (1: none).
    public var ropeScale: Double
    /// Per-pair divisors of the RoPE frequencies (Llama 3's long-context scaling), or nil.
    public var ropeFrequencyFactors: [Float]?

    public var headDim: Int { width / heads }
    public var kvWidth: Int { kvHeads * headDim }

    public init(vocabularySize: Int, width: Int, hiddenWidth: Int, layers: Int, heads: Int, kvHeads: Int,
                ropeBase: Double = 10_000, rmsEpsilon: Float = 1e-5, contextLength: Int = 2048,
                ropeStyle: RopeStyle = .interleaved, ropeScale: Double = 1, ropeFrequencyFactors: [Float]? = nil) {
        self.vocabularySize = vocabularySize
        self.width = width
        self.hiddenWidth = hiddenWidth
        self.layers = layers
        self.heads = heads
        self.kvHeads = kvHeads
        self.ropeBase = ropeBase
        self.rmsEpsilon = rmsEpsilon
        self.contextLength = contextLength
        self.ropeStyle = ropeStyle
        self.ropeScale = ropeScale
        self.ropeFrequencyFactors = ropeFrequencyFactors
    }

    /// Llama 3's frequency factors ("rope_type": "llama3"): long wavelengths slowed by
    /// `factor`, short ones kept, and a smooth blend between.
    public static func llama3FrequencyFactors(headDim: Int, base: Double, factor: Double, lowFrequencyFactor: Double,
                                              highFrequencyFactor: Double, originalContext: Double) -> [Float] {
        let lowWavelength = originalContext / lowFrequencyFactor, highWavelength = originalContext / highFrequencyFactor
        return (0..<(headDim / 2)).map { i in
            let frequency = pow(base, -Double(2 * i) / Double(headDim))
            let wavelength = 2 * Double.pi / frequency
            if wavelength < highWavelength { return 1 }
            if wavelength > lowWavelength { return Float(factor) }
            let smooth = (originalContext / wavelength - lowFrequencyFactor) / (highFrequencyFactor - lowFrequencyFactor)
            let scaled = (1 - smooth) * frequency / factor + smooth * frequency
            return Float(frequency / scaled)
        }
    }
}
