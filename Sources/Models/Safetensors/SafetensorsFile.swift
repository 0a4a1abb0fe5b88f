import Foundation
import SystemIO

/// A safetensors file, memory-mapped: an 8-byte little-endian header length, a JSON header
/// `{name: {dtype, shape, data_offsets: [begin, end]}}`, then the data. Offsets, sizes and
/// types are checked on open.
public final class SafetensorsFile: @unchecked Sendable {
    // Immutable after init; the mapping is read-only.
    public struct TensorInfo: Sendable {
        public var name: String
        public var dtype: String
        /// Outermost first (row-major), as safetensors writes it.
        public var shape: [Int]
        public var range: Range<Int>
    }

    public let path: String
    public let tensors: [String: TensorInfo]
    private let file: MappedFile

    public init(path: String) throws(ModelError) {
        let file: MappedFile
        do { file = try MappedFile(path: path) } catch { throw ModelError(.io, "\(error)", path: path) }
        let bytes = file.bytes
        guard bytes.count >= 8 else { throw ModelError(.truncated, "shorter than the 8-byte header length", path: path, offset: 0) }
        let headerLength = bytes.loadUnaligned(as: UInt64.self).littleEndian
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw ModelError(.truncated, "header claims \(headerLength) bytes; the file has \(bytes.count - 8) after the length", path: path, offset: 0)
        }
        let dataStart = 8 + Int(headerLength)
        let header: [String: Any]
        do {
            header = try JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart])) as? [String: Any] ?? [:]
        } catch {
            throw ModelError(.invalid, "header is not JSON: \(error.localizedDescription)", path: path, offset: 8)
        }
        var tensors: [String: TensorInfo] = [:]
        for (name, value) in header where name != "__metadata__" {
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2 else {
                throw ModelError(.invalid, "header entry is not {dtype, shape, data_offsets}", path: path, tensor: name)
            }
            guard let size = ["F32": 4, "F16": 2, "BF16": 2, "I64": 8][dtype] else {
                throw ModelError(.unsupportedType, "dtype \(dtype) (GESAL reads F32, F16 and BF16)", path: path, tensor: name)
            }
            guard shape.allSatisfy({ $0 >= 0 }), offsets[0] >= 0, offsets[0] <= offsets[1],
                  offsets[1] - offsets[0] == shape.reduce(1, *) * size else {
                throw ModelError(.shapeMismatch, "shape \(shape) of \(dtype) does not fit data_offsets \(offsets)", path: path, tensor: name)
            }
            guard dataStart + offsets[1] <= bytes.count else {
                throw ModelError(.truncated, "data runs past the end of the file", path: path, tensor: name, offset: dataStart + offsets[0])
            }
            tensors[name] = TensorInfo(name: name, dtype: dtype, shape: shape, range: (dataStart + offsets[0])..<(dataStart + offsets[1]))
        }
        self.path = path
        self.tensors = tensors
        self.file = file
    }

    /// A tensor as Float32, checking its shape.
    public func floats(_ name: String, shape: [Int]) throws(ModelError) -> [Float] {
        guard let info = tensors[name] else { throw ModelError(.missingTensor, "no tensor named \(name)", path: path, tensor: name) }
        guard info.shape == shape else { throw ModelError(.shapeMismatch, "shape \(info.shape), expected \(shape)", path: path, tensor: name) }
        let raw = UnsafeRawBufferPointer(rebasing: file.bytes[info.range])
        let count = shape.reduce(1, *)
        switch info.dtype {
        case "F32": return Dequantize.floats(raw, type: .f32, count: count)
        case "F16": return Dequantize.floats(raw, type: .f16, count: count)
        case "BF16": return Dequantize.floats(raw, type: .bf16, count: count)
        default: throw ModelError(.unsupportedType, "dtype \(info.dtype) is not a float type", path: path, tensor: name)
        }
    }
}
