import Crypto
import Foundation
import Models
import SystemIO

/// SVD bases on disk, so that a second start loads them instead of recomputing. Each file is
/// named by the SHA-256 of the matrix it decomposes, so a changed model never reads a stale
/// basis, and identical matrices share one file.
///
/// File: "GESALSVD", u16 version, u32 outputs, u32 inputs, u32 rank, then U, σ and Vᵀ as
/// little-endian Float32.
public struct SVFBasisCache: Sendable {
    public let folder: String
    /// The cache the tools use, relative to the repository.
    public static let defaultFolder = ".cache/svd"
    private let fs = FileSystem()

    public init(folder: String) {
        self.folder = folder
    }

    /// The bases of `sites`, loaded from the cache or computed (and stored). `progress` gets
    /// (done, total).
    public func bases(for model: LlamaModel, sites: [LinearSite], progress: (Int, Int) -> Void = { _, _ in }) throws -> [LinearSite: SVFBasis] {
        try fs.createDirectory(directoryName(of: folder))
        try fs.createDirectory(folder)
        var bases: [LinearSite: SVFBasis] = [:]
        for (i, site) in sites.enumerated() {
            let weight = model.weights.layers[site.layer][site.kind].floats
            let (outputs, inputs) = model.shape(site.kind)
            let key = weight.withUnsafeBytes { SHA256.hash(data: $0) }.map { String(format: "%02x", $0) }.joined()
            let path = folder + "/" + key + ".svd"
            if let cached = try? load(path), cached.outputs == outputs, cached.inputs == inputs {
                bases[site] = cached
            } else {
                let basis = try SVFBasis(weight: weight, outputs: outputs, inputs: inputs)
                try fs.writeAtomically(path, encode(basis))
                bases[site] = basis
            }
            progress(i + 1, sites.count)
        }
        return bases
    }

    func encode(_ basis: SVFBasis) -> [UInt8] {
        var writer = AdapterCodec.Writer()
        writer.bytes(Array("GESALSVD".utf8))
        writer.int(UInt16(1))
        writer.int(UInt32(basis.outputs))
        writer.int(UInt32(basis.inputs))
        writer.int(UInt32(basis.rank))
        writer.floats(basis.u)
        writer.floats(basis.sigma)
        writer.floats(basis.vt)
        return writer.data
    }

    /// Reads a cached basis; any damage makes it a miss (the caller recomputes and rewrites).
    func load(_ path: String) throws -> SVFBasis {
        var reader = AdapterCodec.Reader(data: try fs.read(path))
        guard try reader.bytes(8) == Array("GESALSVD".utf8), try reader.int(UInt16.self) == 1 else {
            throw AdapterCodec.DecodeError(offset: 0, reason: "not a GESALSVD v1 file")
        }
        let outputs = Int(try reader.int(UInt32.self)), inputs = Int(try reader.int(UInt32.self)), rank = Int(try reader.int(UInt32.self))
        let basis = SVFBasis(outputs: outputs, inputs: inputs, rank: rank, u: try reader.floats(outputs * rank),
                             sigma: try reader.floats(rank), vt: try reader.floats(rank * inputs))
        try reader.end()
        return basis
    }
}

extension LlamaModel {
    /// GESAL's default SVF targets: the MLP matrices (gate, up, down) of every block.
    public var mlpSites: [LinearSite] {
        (0..<config.layers).flatMap { layer in [LinearKind.gate, .up, .down].map { LinearSite(layer: layer, kind: $0) } }
    }
}
