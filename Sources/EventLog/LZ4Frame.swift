import CLZ4

/// Standard LZ4 frames (https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md) with
/// independent blocks, the content size and the content checksum, so that the stock `lz4 -dc`
/// decodes what GESAL writes.
public enum LZ4Frame {
    private static func preferences(contentSize: Int) -> LZ4F_preferences_t {
        var preferences = LZ4F_preferences_t()
        preferences.frameInfo.blockMode = LZ4F_blockIndependent
        preferences.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled
        preferences.frameInfo.contentSize = UInt64(contentSize)
        preferences.frameInfo.blockSizeID = LZ4F_max64KB
        return preferences
    }

    /// The most bytes a frame of `size` input bytes can take.
    public static func bound(_ size: Int) -> Int {
        var preferences = preferences(contentSize: size)
        return LZ4F_compressFrameBound(size, &preferences)
    }

    /// Compresses `input` into one frame appended to `output`.
    public static func compress(_ input: UnsafeRawBufferPointer, appendingTo output: inout [UInt8]) {
        var preferences = preferences(contentSize: input.count)
        let bound = LZ4F_compressFrameBound(input.count, &preferences)
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: bound))
        let written = output.withUnsafeMutableBytes { out in
            LZ4F_compressFrame(out.baseAddress! + start, bound, input.baseAddress, input.count, &preferences)
        }
        // With a buffer of LZ4F_compressFrameBound bytes the frame API cannot fail.
        precondition(LZ4F_isError(written) == 0, "LZ4F_compressFrame: \(errorName(written))")
        output.removeLast(bound - written)
    }

    public static func compress(_ input: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        input.withUnsafeBytes { compress($0, appendingTo: &output) }
        return output
    }

    /// Decompresses one whole frame that must expand to exactly `expectedSize` bytes (the size
    /// our own headers record). Throws with liblz4's reason for anything else.
    public static func decompress(_ frame: UnsafeRawBufferPointer, expectedSize: Int) throws(LZ4FrameError) -> [UInt8] {
        try Decompressor().decompress(frame, expectedSize: expectedSize)
    }

    /// One decompression context for many frames. liblz4 gives a context two 64 KB buffers on
    /// its first frame; with a context per record, a replay allocated, freed and trimmed them
    /// for each of its records (perf: `brk` and `munmap`, about 5% of it). Not `Sendable`: a
    /// walk over records owns one.
    public final class Decompressor {
        private let context: OpaquePointer
        private var options = LZ4F_decompressOptions_t()
        private var scratch: [UInt8] = []

        /// `checksums: false` skips the frame's content checksum (xxHash32 of every decompressed
        /// byte, 12% of a replay by callgrind): for a record, whose CRC-32C already covers every
        /// byte of the frame, read by a walk; `verify` keeps checking it.
        public init(checksums: Bool = true) throws(LZ4FrameError) {
            options.skipChecksums = checksums ? 0 : 1
            var context: OpaquePointer?
            let created = LZ4F_createDecompressionContext(&context, UInt32(LZ4F_VERSION))
            guard LZ4F_isError(created) == 0, let context else { throw LZ4FrameError(reason: LZ4Frame.errorName(created)) }
            self.context = context
        }

        deinit { LZ4F_freeDecompressionContext(context) }

        /// As `LZ4Frame.decompress`; a frame that failed part-way leaves nothing behind for the next.
        public func decompress(_ frame: UnsafeRawBufferPointer, expectedSize: Int) throws(LZ4FrameError) -> [UInt8] {
            var failure: LZ4FrameError?
            let output = [UInt8](unsafeUninitializedCapacity: expectedSize) { buffer, count in
                failure = expand(frame, into: UnsafeMutableRawBufferPointer(buffer))
                count = failure == nil ? expectedSize : 0
            }
            if let failure { throw failure }
            return output
        }

        /// Decompresses into a buffer this decompressor keeps from frame to frame, and lends it
        /// to `body`: a walk copies each event's payload out of it, with no array per record.
        public func withDecompressed<R>(_ frame: UnsafeRawBufferPointer, expectedSize: Int,
                                        _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
            try Self.checkClaim(frame, expectedSize)
            if scratch.count < expectedSize { scratch = [UInt8](repeating: 0, count: Swift.max(expectedSize, 2 * scratch.count)) }
            try scratch.withUnsafeMutableBytes { all in try decompress(frame, into: UnsafeMutableRawBufferPointer(rebasing: all[0..<expectedSize])) }
            return try scratch.withUnsafeBytes { all in try body(UnsafeRawBufferPointer(rebasing: all[0..<expectedSize])) }
        }

        /// Decompresses a whole frame into exactly `out.count` bytes that the caller owns (a
        /// read-ahead batch), refusing a size the frame cannot expand to.
        func decompress(_ frame: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) throws(LZ4FrameError) {
            try Self.checkClaim(frame, out.count)
            if let failure = expand(frame, into: out) { throw failure }
        }

        /// An LZ4 sequence writes at most 255 bytes per byte it reads: a larger claim (a forged
        /// header) is refused before a buffer grows to it.
        static func checkClaim(_ frame: UnsafeRawBufferPointer, _ expectedSize: Int) throws(LZ4FrameError) {
            guard expectedSize <= 255 * frame.count else {
                throw LZ4FrameError(reason: "a frame of \(frame.count) bytes cannot expand to \(expectedSize)")
            }
        }

        /// Expands one whole frame into exactly `out.count` bytes; the reason it could not, or nil.
        private func expand(_ frame: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) -> LZ4FrameError? {
            if options.skipChecksums != 0, let result = LZ4Blocks.expand(frame, into: out) { return result.failure }
            LZ4F_resetDecompressionContext(context)
            var produced = 0
            var consumed = 0
            var status = 1
            while status != 0 {
                var outSize = out.count - produced
                var inSize = frame.count - consumed
                status = LZ4F_decompress(context, out.baseAddress.map { $0 + produced }, &outSize,
                                         frame.baseAddress.map { $0 + consumed }, &inSize, &options)
                if LZ4F_isError(status) != 0 { return LZ4FrameError(reason: LZ4Frame.errorName(status)) }
                produced += outSize
                consumed += inSize
                if status != 0 && inSize == 0 && outSize == 0 { return LZ4FrameError(reason: "frame ends early") }
            }
            guard consumed == frame.count else { return LZ4FrameError(reason: "\(frame.count - consumed) bytes after the frame's end mark") }
            guard produced == out.count else { return LZ4FrameError(reason: "expanded to \(produced) bytes, expected \(out.count)") }
            return nil
        }
    }

    /// A frame read block by block with liblz4's block decoder, for walks that skip checksums:
    /// the frame API spent about a third of a replay's decompression on its own bookkeeping
    /// and on copying (callgrind). Only what our writer makes is read this way (independent
    /// blocks, no dictionary); for any other frame `expand` returns nil and the frame API reads
    /// it. Checksums in the frame are stepped over, not checked (the record's CRC-32C covers
    /// the frame; `verify` checks them through the frame API).
    enum LZ4Blocks {
        struct Result { var failure: LZ4FrameError? }

        static let magic: UInt32 = 0x184D_2204

        static func expand(_ frame: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) -> Result? {
            guard frame.count >= 7, frame.loadLE(0, as: UInt32.self) == magic else { return nil }
            let flags = frame[4]
            // Version 01, independent blocks, no dictionary id, reserved bit clear.
            guard flags & 0xC0 == 0x40, flags & 0x20 != 0, flags & 0x03 == 0 else { return nil }
            let blockChecksums = flags & 0x10 != 0, contentSize = flags & 0x08 != 0, contentChecksum = flags & 0x04 != 0
            func fail(_ reason: String) -> Result { Result(failure: LZ4FrameError(reason: reason)) }
            var consumed = 7 + (contentSize ? 8 : 0)
            var produced = 0
            while true {
                guard consumed + 4 <= frame.count else { return fail("frame ends early") }
                let word: UInt32 = frame.loadLE(consumed)
                consumed += 4
                if word == 0 { break }  // the end mark
                let stored = word & 0x8000_0000 != 0, size = Int(word & 0x7FFF_FFFF)
                guard consumed + size + (blockChecksums ? 4 : 0) <= frame.count else { return fail("frame ends early") }
                let block = frame.baseAddress! + consumed, room = out.count - produced
                func refused() -> Result { fail("a block does not decode into the \(room) bytes left") }
                if stored {
                    guard size <= room else { return refused() }
                    // A block of at least one byte fits only an output that has an address.
                    if size > 0 { (out.baseAddress! + produced).copyMemory(from: block, byteCount: size) }
                    produced += size
                } else {
                    guard let base = out.baseAddress else { return refused() }  // an empty output
                    let written = LZ4_decompress_safe(block.assumingMemoryBound(to: CChar.self), (base + produced).assumingMemoryBound(to: CChar.self),
                                                      Int32(size), Int32(clamping: room))
                    guard written >= 0 else { return refused() }
                    produced += Int(written)
                }
                consumed += size + (blockChecksums ? 4 : 0)
            }
            consumed += contentChecksum ? 4 : 0
            guard consumed <= frame.count else { return fail("frame ends early") }
            guard consumed == frame.count else { return fail("\(frame.count - consumed) bytes after the frame's end mark") }
            guard produced == out.count else { return fail("expanded to \(produced) bytes, expected \(out.count)") }
            return Result(failure: nil)
        }
    }

    fileprivate static func errorName(_ code: Int) -> String {
        String(cString: LZ4F_getErrorName(code))
    }
}

/// liblz4 refused a frame.
public struct LZ4FrameError: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { "LZ4 frame: \(reason)" }
}
