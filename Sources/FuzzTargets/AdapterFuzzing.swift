import Adaptation

/// Adapter and optimiser-state blobs, as the engine reads them back from the blob store.
enum AdapterFuzzing {
    /// Tries the bytes as both kinds of blob (their magic tells them apart, so at most one
    /// accepts). What decodes must encode to bytes that decode and encode to the same bytes:
    /// the codec promises one encoding per value, and blob hashes depend on it.
    static func blob(_ bytes: [UInt8]) -> FuzzOutcome {
        var problems: [String] = []
        do {
            let adapters = try AdapterCodec.decodeAdapters(bytes)
            let encoded = AdapterCodec.encode(adapters)
            precondition((try? AdapterCodec.encode(AdapterCodec.decodeAdapters(encoded))) == encoded,
                         "a decoded adapter set re-encodes to bytes that do not round-trip")
            return .accepted
        } catch {
            problems.append("\(error)")
        }
        do {
            let optimizer = try AdapterCodec.decodeOptimizer(bytes)
            let encoded = AdapterCodec.encode(optimizer)
            precondition((try? AdapterCodec.encode(AdapterCodec.decodeOptimizer(encoded))) == encoded,
                         "a decoded optimiser state re-encodes to bytes that do not round-trip")
            return .accepted
        } catch {
            problems.append("\(error)")
        }
        return .rejected(problems.joined(separator: "; "))
    }
}
