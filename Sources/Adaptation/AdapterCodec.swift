/// Compact, versioned binary forms of adapter values and optimiser state, which the event log
/// stores as content-addressed blobs. Little-endian throughout; entries in sorted order, so the
/// same values always give the same bytes (and the same blob hash).
///
/// Adapters: "GESALADP", u16 version, u8 composition, u8 0, u32 LoRA count, u32 SVF count;
///   per LoRA: u32 layer, u8 kind, u32 rank, f32 alpha, u32 inputs, u32 outputs, A, B;
///   per SVF: u32 layer, u8 kind, u32 count, z.
/// Optimiser: "GESALOPT", u16 version, u64 step, u32 count; per parameter: u16 name length,
///   name, u32 count, first moments, second moments.
public enum AdapterCodec {
    public struct DecodeError: Error, Sendable, CustomStringConvertible {
        public var offset: Int
        public var reason: String
        public var description: String { "adapter blob at byte \(offset): \(reason)" }
    }

    static let adapterMagic = Array("GESALADP".utf8), optimizerMagic = Array("GESALOPT".utf8)
    static let version: UInt16 = 1

    public static func encode(_ adapters: AdapterSet) -> [UInt8] {
        var out = Writer()
        out.bytes(adapterMagic)
        out.int(version)
        out.int(UInt8(SVFComposition.allCases.firstIndex(of: adapters.composition)!))
        out.int(UInt8(0))
        out.int(UInt32(adapters.lora.count))
        out.int(UInt32(adapters.svf.count))
        for (site, lora) in adapters.lora.sorted(by: { $0.key < $1.key }) {
            out.site(site)
            out.int(UInt32(lora.rank))
            out.int(lora.alpha.bitPattern)
            out.int(UInt32(lora.inputs))
            out.int(UInt32(lora.outputs))
            out.floats(lora.a)
            out.floats(lora.b)
        }
        for (site, z) in adapters.svf.sorted(by: { $0.key < $1.key }) {
            out.site(site)
            out.int(UInt32(z.count))
            out.floats(z)
        }
        return out.data
    }

    public static func decodeAdapters(_ bytes: [UInt8]) throws(DecodeError) -> AdapterSet {
        var input = Reader(data: bytes)
        try input.expect(adapterMagic)
        let compositionIndex = Int(try input.int(UInt8.self))
        guard compositionIndex < SVFComposition.allCases.count else { throw DecodeError(offset: 10, reason: "unknown composition \(compositionIndex)") }
        _ = try input.int(UInt8.self)
        var adapters = AdapterSet(composition: SVFComposition.allCases[compositionIndex])
        let loraCount = try input.int(UInt32.self), svfCount = try input.int(UInt32.self)
        for _ in 0..<loraCount {
            let site = try input.site()
            let rank = Int(try input.int(UInt32.self)), alpha = Float(bitPattern: try input.int(UInt32.self))
            let inputs = Int(try input.int(UInt32.self)), outputs = Int(try input.int(UInt32.self))
            var lora = LoRA(rank: 0, alpha: alpha, inputs: inputs, outputs: outputs, seed: 0)
            lora.rank = rank
            let start = input.offset
            lora.a = try input.floats(rank, by: inputs)
            lora.b = try input.floats(outputs, by: rank)
            try finite(lora.a + lora.b + [alpha], site, at: start)
            adapters.lora[site] = lora
        }
        for _ in 0..<svfCount {
            let site = try input.site()
            let start = input.offset
            adapters.svf[site] = try input.floats(Int(try input.int(UInt32.self)))
            try finite(adapters.svf[site]!, site, at: start)
        }
        try input.end()
        return adapters
    }

    /// A NaN or an infinity in an adapter would merge into weights no product can use (and
    /// learning never keeps one: `AdapterSet.firstNonFiniteSite`), so a blob holding one is
    /// refused, naming the site.
    private static func finite(_ values: [Float], _ site: LinearSite, at offset: Int) throws(DecodeError) {
        guard let bad = values.first(where: { !$0.isFinite }) else { return }
        throw DecodeError(offset: offset, reason: "blk.\(site.layer).\(site.kind) holds \(bad), not a finite number")
    }

    public static func encode(_ state: OptimizerState) -> [UInt8] {
        var out = Writer()
        out.bytes(optimizerMagic)
        out.int(version)
        out.int(UInt64(state.step))
        let names = Set(state.first.keys).union(state.second.keys).sorted()
        out.int(UInt32(names.count))
        for name in names {
            let utf8 = Array(name.utf8)
            out.int(UInt16(utf8.count))
            out.bytes(utf8)
            let first = state.first[name] ?? [], second = state.second[name] ?? []
            out.int(UInt32(first.count))
            out.floats(first)
            out.floats(second.isEmpty ? [Float](repeating: 0, count: first.count) : second)
        }
        return out.data
    }

    public static func decodeOptimizer(_ bytes: [UInt8]) throws(DecodeError) -> OptimizerState {
        var input = Reader(data: bytes)
        try input.expect(optimizerMagic)
        var state = OptimizerState()
        let step = try input.int(UInt64.self)
        guard let steps = Int(exactly: step) else { throw DecodeError(offset: 10, reason: "step count \(step) is more than a step counter holds") }
        state.step = steps
        for _ in 0..<(try input.int(UInt32.self)) {
            let length = Int(try input.int(UInt16.self))
            let name = String(decoding: try input.bytes(length), as: UTF8.self)
            let count = Int(try input.int(UInt32.self))
            state.first[name] = try input.floats(count)
            state.second[name] = try input.floats(count)
        }
        try input.end()
        return state
    }

    struct Writer {
        var data: [UInt8] = []
        mutating func bytes(_ b: [UInt8]) { data += b }
        mutating func int<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { data += $0 } }
        mutating func floats(_ values: [Float]) {
            precondition(UInt32(1).littleEndian == 1, "GESAL's blobs assume a little-endian machine")
            values.withUnsafeBytes { data += $0 }
        }
        mutating func site(_ site: LinearSite) {
            int(UInt32(site.layer))
            int(UInt8(LinearKind.allCases.firstIndex(of: site.kind)!))
        }
    }

    struct Reader {
        let data: [UInt8]
        var offset = 0

        mutating func bytes(_ count: Int) throws(DecodeError) -> [UInt8] {
            guard count >= 0, data.count - offset >= count else {
                throw DecodeError(offset: offset, reason: "ends early (needs \(count) more bytes, \(data.count - offset) left)")
            }
            defer { offset += count }
            return Array(data[offset..<(offset + count)])
        }

        mutating func int<T: FixedWidthInteger>(_ type: T.Type) throws(DecodeError) -> T {
            let raw = try bytes(MemoryLayout<T>.size)
            return raw.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(as: T.self)) }
        }

        /// A `rows` x `columns` matrix; sizes whose product overflows are refused like any
        /// other count the blob cannot hold.
        mutating func floats(_ rows: Int, by columns: Int) throws(DecodeError) -> [Float] {
            let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
            guard !overflow else { throw DecodeError(offset: offset, reason: "claims \(rows) x \(columns) values, more than the blob holds") }
            return try floats(count)
        }

        mutating func floats(_ count: Int) throws(DecodeError) -> [Float] {
            guard count >= 0, count <= (data.count - offset) / 4 else {
                throw DecodeError(offset: offset, reason: "claims \(count) values, more than the blob holds")
            }
            // The blobs are little-endian, like every machine GESAL runs on: a bulk copy.
            precondition(UInt32(1).littleEndian == 1, "GESAL's blobs assume a little-endian machine")
            let start = offset
            offset += 4 * count
            return [Float](unsafeUninitializedCapacity: count) { out, initialized in
                data.withUnsafeBytes { raw in
                    if count > 0 { UnsafeMutableRawPointer(out.baseAddress!).copyMemory(from: raw.baseAddress! + start, byteCount: 4 * count) }
                }
                initialized = count
            }
        }

        mutating func site() throws(DecodeError) -> LinearSite {
            let layer = Int(try int(UInt32.self)), kind = Int(try int(UInt8.self))
            guard kind < LinearKind.allCases.count else { throw DecodeError(offset: offset - 1, reason: "unknown linear kind \(kind)") }
            return LinearSite(layer: layer, kind: LinearKind.allCases[kind])
        }

        mutating func expect(_ magic: [UInt8]) throws(DecodeError) {
            guard try bytes(magic.count) == magic else { throw DecodeError(offset: 0, reason: "not a \(String(decoding: magic, as: UTF8.self)) blob") }
            let version = try int(UInt16.self)
            guard version == AdapterCodec.version else { throw DecodeError(offset: 8, reason: "format version \(version); this build reads \(AdapterCodec.version)") }
        }

        func end() throws(DecodeError) {
            guard offset == data.count else { throw DecodeError(offset: offset, reason: "\(data.count - offset) bytes after the end") }
        }
    }
}
