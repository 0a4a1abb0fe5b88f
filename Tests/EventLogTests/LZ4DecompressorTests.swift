import Testing
@testable import EventLog

/// One `LZ4Frame.Decompressor` reused across frames, as a walk over a segment's records does:
/// each frame reads back as the bytes that went in (the oracle), whatever came before it.
struct LZ4DecompressorTests {
    /// Bytes that compress a little and not entirely: a counter mixed with a multiplier.
    static func bytes(_ count: Int, seed: UInt32) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: (UInt32($0) &* 2_654_435_761 &+ seed) >> (UInt32($0) % 3 == 0 ? 24 : 5)) }
    }

    @Test func framesOfEverySizeReadBackThroughOneDecompressor() throws {
        let decompressor = try LZ4Frame.Decompressor(checksums: false)
        for (n, size) in [10, 200_000, 0, 5, 70_000, 1].enumerated() {
            let input = Self.bytes(size, seed: UInt32(n))
            let frame = LZ4Frame.compress(input)
            let lent = try frame.withUnsafeBytes { raw in try decompressor.withDecompressed(raw, expectedSize: size) { Array($0) } }
            #expect(lent == input, "frame \(n) of \(size) bytes, lent")
            let owned = try frame.withUnsafeBytes { raw in try decompressor.decompress(raw, expectedSize: size) }
            #expect(owned == input, "frame \(n) of \(size) bytes, owned")
        }
    }

    /// Zeros compress as far as LZ4 goes (close to 255 to 1): still within the bound the lent
    /// buffer checks.
    @Test func theMostCompressibleFrameStillReads() throws {
        let zeros = [UInt8](repeating: 0, count: 300_000)
        let frame = LZ4Frame.compress(zeros)
        #expect(frame.count * 200 < zeros.count, "\(frame.count) bytes: not near LZ4's limit")
        let read = try frame.withUnsafeBytes { raw in try LZ4Frame.Decompressor().withDecompressed(raw, expectedSize: zeros.count) { Array($0) } }
        #expect(read == zeros)
    }

    @Test func aFrameThatFailsPartWayLeavesNothingForTheNext() throws {
        let decompressor = try LZ4Frame.Decompressor()
        let first = Self.bytes(100_000, seed: 1), second = Self.bytes(3_000, seed: 2)
        let cut = Array(LZ4Frame.compress(first).prefix(40_000))
        #expect(throws: LZ4FrameError.self) { try cut.withUnsafeBytes { try decompressor.decompress($0, expectedSize: first.count) } }
        let read = try LZ4Frame.compress(second).withUnsafeBytes { try decompressor.decompress($0, expectedSize: second.count) }
        #expect(read == second)
    }

    /// The frame's content checksum is the last four bytes: a reader that skips it reads the
    /// (intact) payload, one that checks it refuses the frame.
    @Test func onlyACheckingDecompressorRefusesAWrongContentChecksum() throws {
        let input = Self.bytes(5_000, seed: 3)
        var frame = LZ4Frame.compress(input)
        frame[frame.count - 1] ^= 0x5A
        let skipping = try LZ4Frame.Decompressor(checksums: false), checking = try LZ4Frame.Decompressor()
        #expect(try frame.withUnsafeBytes { try skipping.decompress($0, expectedSize: input.count) } == input)
        #expect(throws: LZ4FrameError.self) { try frame.withUnsafeBytes { try checking.decompress($0, expectedSize: input.count) } }
    }

    @Test func aFrameOfAnotherSizeIsRefusedByBothPaths() throws {
        let decompressor = try LZ4Frame.Decompressor()
        let input = Self.bytes(1_000, seed: 4)
        let frame = LZ4Frame.compress(input)
        // Too little room: liblz4 stops with the frame unfinished.
        #expect(throws: LZ4FrameError.self) { try frame.withUnsafeBytes { try decompressor.withDecompressed($0, expectedSize: 999) { _ in () } } }
        #expect { try frame.withUnsafeBytes { try decompressor.decompress($0, expectedSize: 1_001) } } throws: { "\($0)".contains("expected 1001") }
    }

    /// A forged header may claim any size up to the record format's bound (1 GiB): the lent
    /// buffer is not grown past what the frame could expand to.
    @Test func aSizeNoFrameCouldExpandToIsRefusedBeforeTheBufferGrows() throws {
        let decompressor = try LZ4Frame.Decompressor()
        let frame = LZ4Frame.compress(Self.bytes(100, seed: 5))
        #expect {
            try frame.withUnsafeBytes { try decompressor.withDecompressed($0, expectedSize: 1 << 30) { _ in () } }
        } throws: { "\($0)".contains("a frame of \(frame.count) bytes cannot expand to 1073741824") }
    }
    /// Bytes LZ4 cannot shrink, so its blocks are stored as they are.
    static func noise(_ count: Int) -> [UInt8] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
    }

    static func expandedByBlocks(_ frame: [UInt8], size: Int) -> (handled: Bool, failure: LZ4FrameError?, bytes: [UInt8]) {
        var out = [UInt8](repeating: 0xEE, count: size)
        let result = frame.withUnsafeBytes { raw in out.withUnsafeMutableBytes { LZ4Frame.LZ4Blocks.expand(raw, into: $0) } }
        return (result != nil, result?.failure, out)
    }

    /// The block reader (what walks use) against the input and against the frame API, on our
    /// writer's frames: empty, tiny, several blocks, blocks stored as they are, LZ4's best ratio.
    @Test(arguments: [0, 1, 5, 70_000, 200_000])
    func theBlockReaderReadsWhatTheFrameAPIReads(size: Int) throws {
        for input in [Self.bytes(size, seed: 7), Self.noise(size), [UInt8](repeating: 0, count: size)] {
            let frame = LZ4Frame.compress(input)
            let read = Self.expandedByBlocks(frame, size: input.count)
            #expect(read.handled && read.failure == nil && read.bytes == input, "\(input.count) bytes")
            #expect(try frame.withUnsafeBytes { try LZ4Frame.Decompressor().decompress($0, expectedSize: input.count) } == input)
        }
    }

    /// Every cut of a frame of two blocks (one stored, one compressed) is refused, never read
    /// short or past its end.
    @Test func everyCutOfAFrameIsRefusedByTheBlockReader() {
        let input = Self.noise(65_536) + Self.bytes(3_000, seed: 9)
        let frame = LZ4Frame.compress(input)
        for length in 7..<frame.count {
            let read = Self.expandedByBlocks(Array(frame.prefix(length)), size: input.count)
            if !read.handled || read.failure == nil {
                Issue.record("a frame cut to \(length) of \(frame.count) bytes was \(read.handled ? "read" : "passed on")")
                return
            }
        }
    }

    /// A block that claims more than the room left, and a size that is not what the frame
    /// holds, are refused.
    @Test func theBlockReaderRefusesAFrameOfAnotherSize() {
        let input = Self.bytes(1_000, seed: 4)
        let frame = LZ4Frame.compress(input)
        #expect(Self.expandedByBlocks(frame, size: 999).failure != nil)
        #expect(Self.expandedByBlocks(frame, size: 1_001).failure.map { "\($0)".contains("expected 1001") } == true)
        #expect(Self.expandedByBlocks(frame, size: 0).failure != nil)
    }

    /// Frames our writer never makes (linked blocks, a dictionary id) are left to the frame API.
    @Test func framesOfOtherKindsAreLeftToTheFrameAPI() {
        let frame = LZ4Frame.compress(Self.bytes(500, seed: 5))
        for flip: UInt8 in [0x20, 0x01] {
            var other = frame
            other[4] ^= flip
            #expect(!Self.expandedByBlocks(other, size: 500).handled, "flag \(flip)")
        }
    }
}
