import Adaptation

/// Adapter and optimiser-state blobs, as the engine reads them back from the blob store.
enum AdapterFuzzing {
    /// Tries the bytes as both kinds of blob (their magic tells them apart, so at most one
    /// accepts). What decodes must encode to bytes that decode and encode to the same bytes:
    /// the codec promises one encoding per value, and blob hashes depend on it.
    static func blob(_ bytes: [UInt8]) -> FuzzOutcome {
        let adapters = roundTrip(bytes, "adapter set", decode: AdapterCodec.decodeAdapters, encode: AdapterCodec.encode)
        guard case .rejected(let notAdapters) = adapters else { return adapters }
        let optimizer = roundTrip(bytes, "optimiser state", decode: AdapterCodec.decodeOptimizer, encode: AdapterCodec.encode)
        guard case .rejected(let notOptimizer) = optimizer else { return optimizer }
        return .rejected(notAdapters + "; " + notOptimizer)
    }

    private static func roundTrip<Value>(_ bytes: [UInt8], _ what: String, decode: ([UInt8]) throws(AdapterCodec.DecodeError) -> Value,
                                         encode: (Value) -> [UInt8]) -> FuzzOutcome {
        .of {
            let encoded = encode(try decode(bytes))
            precondition((try? encode(decode(encoded))) == encoded, "a decoded \(what) re-encodes to bytes that do not round-trip")
        }
    }
}
