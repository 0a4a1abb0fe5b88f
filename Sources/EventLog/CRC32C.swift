import CChecksum

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of iSCSI, ext4 and
/// RocksDB: with SSE 4.2's `crc32` instruction where the CPU has it (CChecksum), else with
/// slicing-by-8 tables, eight table look-ups per 8 input bytes. Both give the same value.
///
/// Check value: `CRC32C.checksum("123456789")` is 0xE3069283.
public enum CRC32C {
    /// Which way `update` computes: "sse4.2" or "portable". A reader checks every record's CRC,
    /// so on a replay this is a quarter of the time (perf, `gesal-bench engine`).
    public static let kernel = gesal_cpu_has_sse42() == 1 ? "sse4.2" : "portable"
    private static let hardware = kernel == "sse4.2"

    /// Continues a running CRC over more bytes; start with `0`.
    public static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard hardware, let base = bytes.baseAddress else { return portableUpdate(crc, bytes) }
        return gesal_crc32c_update_sse42(crc, base, bytes.count)
    }

    /// `table[k * 256 + b]`: the CRC of byte `b` followed by `k` zero bytes. One flat array,
    /// read through a pointer: nested arrays cost a bounds check per look-up (measured with
    /// perf at a sixth of an append's time).
    private static let table: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 8 * 256)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            table[byte] = crc
        }
        for k in 1..<8 {
            for byte in 0..<256 {
                let previous = table[(k - 1) * 256 + byte]
                table[k * 256 + byte] = (previous >> 8) ^ table[Int(previous & 0xFF)]
            }
        }
        return table
    }()

    /// `update` with the tables: what every CPU can run, and what the tests hold the
    /// instruction's results against.
    public static func portableUpdate(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress else { return crc }
        let count = bytes.count
        return table.withUnsafeBufferPointer { buffer in
            let t = buffer.baseAddress!
            var state = ~crc
            var index = 0
            while count - index >= 8 {
                let word = UInt64(littleEndian: (base + index).loadUnaligned(as: UInt64.self))
                let low = UInt32(truncatingIfNeeded: word) ^ state
                let high = UInt32(truncatingIfNeeded: word >> 32)
                state = t[0x700 | Int(low & 0xFF)] ^ t[0x600 | Int((low >> 8) & 0xFF)]
                    ^ t[0x500 | Int((low >> 16) & 0xFF)] ^ t[0x400 | Int(low >> 24)]
                    ^ t[0x300 | Int(high & 0xFF)] ^ t[0x200 | Int((high >> 8) & 0xFF)]
                    ^ t[0x100 | Int((high >> 16) & 0xFF)] ^ t[Int(high >> 24)]
                index += 8
            }
            while index < count {
                state = (state >> 8) ^ t[Int((state ^ UInt32(base.load(fromByteOffset: index, as: UInt8.self))) & 0xFF)]
                index += 1
            }
            return ~state
        }
    }

    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        update(0, bytes)
    }

    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { update(0, $0) }
    }
}
