import SystemIO

/// A GGUF v2/v3 model file, memory-mapped: its metadata, its tensor table, and each tensor's
/// raw bytes. Everything is validated on open: magic, version, every length against the file
/// size, tensor types, shapes, alignment and that every tensor's data lies inside the file.
///
/// Format: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
public final class GGUFFile: @unchecked Sendable {
    // Immutable after init; the mapping is read-only.
    public struct TensorInfo: Sendable {
        public var name: String
        /// GGUF order: `dims[0]` is the innermost (contiguous) dimension.
        public var dims: [Int]
        public var type: GGMLType
        /// Offset of the data from the start of the file.
        public var fileOffset: Int
        public var byteCount: Int
        public var elementCount: Int { dims.reduce(1, *) }
    }

    public let path: String
    public let version: UInt32
    public let metadata: [String: GGUFValue]
    public let tensors: [String: TensorInfo]
    /// Tensor names in file order.
    public let tensorNames: [String]
    /// Each metadata entry's key and where its bytes (key, type and value) lie in the file, in
    /// file order: what an export copies byte for byte.
    public let metadataEntries: [MetadataEntry]
    private let file: MappedFile

    public struct MetadataEntry: Sendable {
        public var key: String
        public var range: Range<Int>
    }

    public convenience init(path: String) throws(ModelError) {
        let file: MappedFile
        do {
            file = try MappedFile(path: path)
        } catch {
            throw ModelError(.io, "\(error)", path: path)
        }
        try self.init(file: file)
    }

    init(file: MappedFile) throws(ModelError) {
        let path = file.path
        var cursor = ByteCursor(bytes: file.bytes, path: path)
        guard file.bytes.count >= 4, file.bytes.loadUnaligned(as: UInt32.self) == 0x4655_4747 else {
            throw ModelError(.badMagic, "not a GGUF file (the first 4 bytes are not \"GGUF\")", path: path, offset: 0)
        }
        cursor.offset = 4
        let version = try cursor.read(UInt32.self, "the version")
        guard version == 2 || version == 3 else {
            throw ModelError(.unsupportedVersion, "GGUF version \(version); GESAL reads versions 2 and 3", path: path, offset: 4)
        }
        let tensorCount = try cursor.read(UInt64.self, "the tensor count")
        let metadataCount = try cursor.read(UInt64.self, "the metadata count")
        // Each metadata entry and each tensor entry takes well over 8 bytes: a count beyond
        // that is a lie, refused before anything is allocated for it.
        guard tensorCount <= UInt64(cursor.remaining / 8), metadataCount <= UInt64(cursor.remaining / 8) else {
            throw ModelError(.invalid, "claims \(tensorCount) tensors and \(metadataCount) metadata entries, more than the file can hold", path: path, offset: 8)
        }

        var metadata: [String: GGUFValue] = [:]
        var entries: [MetadataEntry] = []
        for _ in 0..<metadataCount {
            let start = cursor.offset
            let key = try cursor.string("a metadata key")
            let type = try cursor.read(UInt32.self, "the type of metadata '\(key)'")
            metadata[key] = try Self.value(type: type, key: key, cursor: &cursor, depth: 0)
            entries.append(MetadataEntry(key: key, range: start..<cursor.offset))
        }

        var infos: [(name: String, dims: [Int], type: GGMLType, offset: UInt64)] = []
        for index in 0..<tensorCount {
            let name = try cursor.string("the name of tensor \(index)")
            let dimensionCount = try cursor.read(UInt32.self, "the dimension count of \(name)")
            guard (1...4).contains(dimensionCount) else {
                throw ModelError(.invalid, "\(dimensionCount) dimensions (1 to 4 allowed)", path: path, tensor: name, offset: cursor.offset - 4)
            }
            var dims: [Int] = []
            for _ in 0..<dimensionCount {
                let dim = try cursor.read(UInt64.self, "a dimension of \(name)")
                guard dim >= 1, dim <= 1 << 40 else {
                    throw ModelError(.invalid, "dimension \(dim) out of range", path: path, tensor: name, offset: cursor.offset - 8)
                }
                dims.append(Int(dim))
            }
            let rawType = try cursor.read(UInt32.self, "the type of \(name)")
            guard let type = GGMLType(rawValue: rawType) else {
                throw ModelError(.unsupportedType, "tensor type \(rawType) is not one GESAL reads (F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K)", path: path, tensor: name, offset: cursor.offset - 4)
            }
            let offset = try cursor.read(UInt64.self, "the data offset of \(name)")
            infos.append((name, dims, type, offset))
        }

        let alignment = metadata["general.alignment"]?.int ?? 32
        guard alignment > 0, alignment & (alignment - 1) == 0 else {
            throw ModelError(.invalid, "general.alignment \(alignment) is not a power of two", path: path)
        }
        let dataStart = (cursor.offset + alignment - 1) / alignment * alignment
        var tensors: [String: TensorInfo] = [:]
        for info in infos {
            let count = info.dims.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
            guard count < 1 << 40 else { throw ModelError(.invalid, "shape \(info.dims) is absurdly large", path: path, tensor: info.name) }
            guard info.dims[0] % info.type.blockSize == 0 else {
                throw ModelError(.shapeMismatch, "row length \(info.dims[0]) is not a multiple of \(info.type.name)'s block of \(info.type.blockSize)", path: path, tensor: info.name)
            }
            let byteCount = count / info.type.blockSize * info.type.blockBytes
            guard info.offset % UInt64(alignment) == 0 else {
                throw ModelError(.invalid, "data offset \(info.offset) is not aligned to \(alignment)", path: path, tensor: info.name)
            }
            guard info.offset <= UInt64(file.bytes.count), dataStart + Int(info.offset) + byteCount <= file.bytes.count else {
                throw ModelError(.truncated, "data (\(byteCount) bytes at \(dataStart) + \(info.offset)) runs past the end of the file (\(file.bytes.count) bytes)", path: path, tensor: info.name)
            }
            guard tensors[info.name] == nil else { throw ModelError(.invalid, "two tensors are named '\(info.name)'", path: path, tensor: info.name) }
            tensors[info.name] = TensorInfo(name: info.name, dims: info.dims, type: info.type,
                                            fileOffset: dataStart + Int(info.offset), byteCount: byteCount)
        }
        self.path = path
        self.version = version
        self.metadata = metadata
        self.metadataEntries = entries
        self.tensors = tensors
        self.tensorNames = infos.map(\.name)
        self.file = file
    }

    private static func value(type: UInt32, key: String, cursor: inout ByteCursor, depth: Int) throws(ModelError) -> GGUFValue {
        switch type {
        case 0: return .uint(UInt64(try cursor.read(UInt8.self, key)))
        case 1: return .int(Int64(try cursor.read(Int8.self, key)))
        case 2: return .uint(UInt64(try cursor.read(UInt16.self, key)))
        case 3: return .int(Int64(try cursor.read(Int16.self, key)))
        case 4: return .uint(UInt64(try cursor.read(UInt32.self, key)))
        case 5: return .int(Int64(try cursor.read(Int32.self, key)))
        case 6: return .float(Double(Float(bitPattern: try cursor.read(UInt32.self, key))))
        case 7: return .bool(try cursor.read(UInt8.self, key) != 0)
        case 8: return .string(try cursor.string(key))
        case 9:
            guard depth == 0 else { throw ModelError(.invalid, "metadata '\(key)' nests arrays", path: cursor.path, offset: cursor.offset) }
            let elementType = try cursor.read(UInt32.self, key)
            let count = try cursor.read(UInt64.self, key)
            guard count <= UInt64(cursor.remaining) else {
                throw ModelError(.truncated, "metadata '\(key)' claims \(count) elements but only \(cursor.remaining) bytes remain", path: cursor.path, offset: cursor.offset - 8)
            }
            var values: [GGUFValue] = []
            values.reserveCapacity(Int(count))
            for _ in 0..<count { values.append(try value(type: elementType, key: key, cursor: &cursor, depth: 1)) }
            return .array(values)
        case 10: return .uint(try cursor.read(UInt64.self, key))
        case 11: return .int(try cursor.read(Int64.self, key))
        case 12: return .float(Double(bitPattern: try cursor.read(UInt64.self, key)))
        default:
            throw ModelError(.invalid, "metadata '\(key)' has unknown value type \(type)", path: cursor.path, offset: cursor.offset - 4)
        }
    }

    // MARK: Access

    /// Raw bytes of the file (a metadata entry's, say).
    public func bytes(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: file.bytes[range])
    }

    /// A tensor's raw bytes inside the mapping.
    public func data(of info: TensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: file.bytes[info.fileOffset..<(info.fileOffset + info.byteCount)])
    }

    public func tensor(_ name: String) throws(ModelError) -> TensorInfo {
        guard let info = tensors[name] else { throw ModelError(.missingTensor, "no tensor named \(name)", path: path, tensor: name) }
        return info
    }

    /// A tensor dequantised to Float32, checking its shape (GGUF order) first.
    public func floats(_ name: String, shape: [Int]) throws(ModelError) -> [Float] {
        let info = try tensor(name)
        guard info.dims == shape else {
            throw ModelError(.shapeMismatch, "shape \(info.dims), expected \(shape)", path: path, tensor: name)
        }
        return Dequantize.floats(data(of: info), type: info.type, count: info.elementCount)
    }

    public func int(_ key: String) throws(ModelError) -> Int {
        guard let value = metadata[key]?.int else { throw ModelError(.missingMetadata, "metadata '\(key)' is missing or not an integer", path: path) }
        return value
    }

    public func double(_ key: String) throws(ModelError) -> Double {
        guard let value = metadata[key]?.double else { throw ModelError(.missingMetadata, "metadata '\(key)' is missing or not a number", path: path) }
        return value
    }

    public func string(_ key: String) throws(ModelError) -> String {
        guard let value = metadata[key]?.string else { throw ModelError(.missingMetadata, "metadata '\(key)' is missing or not a string", path: path) }
        return value
    }

    /// An optional per-token array (token types, scores): nil when absent; when present it
    /// must hold one `kind` value for each of `count` tokens, since tokenisers index it by id.
    public func perToken<T>(_ key: String, count: Int, kind: String, _ convert: (GGUFValue) -> T?) throws(ModelError) -> [T]? {
        guard let value = metadata[key] else { return nil }
        guard let values = value.array else { throw ModelError(.invalid, "metadata '\(key)' is not an array", path: path) }
        guard values.count == count else {
            throw ModelError(.invalid, "metadata '\(key)' has \(values.count) entries for \(count) tokens", path: path)
        }
        return try values.map { value throws(ModelError) in
            guard let converted = convert(value) else { throw ModelError(.invalid, "metadata '\(key)' holds a value that is not \(kind)", path: path) }
            return converted
        }
    }

    public func strings(_ key: String) throws(ModelError) -> [String] {
        guard let values = metadata[key]?.array else { throw ModelError(.missingMetadata, "metadata '\(key)' is missing or not an array", path: path) }
        return try values.map { value throws(ModelError) in
            guard let text = value.string else { throw ModelError(.invalid, "metadata '\(key)' holds a non-string", path: path) }
            return text
        }
    }
}
