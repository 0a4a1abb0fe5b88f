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
        var context: OpaquePointer?
        let created = LZ4F_createDecompressionContext(&context, UInt32(LZ4F_VERSION))
        guard LZ4F_isError(created) == 0, let context else { throw LZ4FrameError(reason: errorName(created)) }
        defer { LZ4F_freeDecompressionContext(context) }

        var produced = 0
        var consumed = 0
        var status = 1
        var failure: LZ4FrameError?
        // Not zeroed first: liblz4 writes every byte the array keeps (the count is what it produced).
        let output = [UInt8](unsafeUninitializedCapacity: expectedSize) { buffer, count in
            defer { count = produced }
            let out = UnsafeMutableRawBufferPointer(buffer)
            while status != 0 {
                var outSize = expectedSize - produced
                var inSize = frame.count - consumed
                status = LZ4F_decompress(context, out.baseAddress.map { $0 + produced }, &outSize,
                                         frame.baseAddress.map { $0 + consumed }, &inSize, nil)
                if LZ4F_isError(status) != 0 {
                    failure = LZ4FrameError(reason: errorName(status))
                    return
                }
                produced += outSize
                consumed += inSize
                if status != 0 && inSize == 0 && outSize == 0 {
                    failure = LZ4FrameError(reason: "frame ends early")
                    return
                }
            }
        }
        if let failure { throw failure }
        guard consumed == frame.count else { throw LZ4FrameError(reason: "\(frame.count - consumed) bytes after the frame's end mark") }
        guard produced == expectedSize else { throw LZ4FrameError(reason: "expanded to \(produced) bytes, expected \(expectedSize)") }
        return output
    }

    private static func errorName(_ code: Int) -> String {
        String(cString: LZ4F_getErrorName(code))
    }
}

/// liblz4 refused a frame.
public struct LZ4FrameError: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { "LZ4 frame: \(reason)" }
}
