import Testing
@testable import GESAL

/// `LittleEndianFloats` copies a vector out of bytes at any alignment. The oracle is the
/// vector itself, written as little-endian bit patterns by hand.
struct LittleEndianFloatsTests {
    static let values: [Float] = (0..<37).map { Float($0) * -0.375 + 1e-3 } + [.greatestFiniteMagnitude, -0.0, .leastNonzeroMagnitude]

    static func encoded(_ values: [Float], after padding: Int) -> [UInt8] {
        Array(repeating: 0xEE, count: padding) + values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
    }

    @Test(arguments: 0..<4) func aVectorReadsBackBitForBitAtEveryAlignment(padding: Int) {
        let bytes = Self.encoded(Self.values, after: padding)
        let read = bytes.withUnsafeBytes { Array(LittleEndianFloats(UnsafeRawBufferPointer(rebasing: $0[padding...]))) }
        #expect(read.map(\.bitPattern) == Self.values.map(\.bitPattern))
    }

    @Test func elementsAndIterationAgreeWithTheBulkCopy() {
        let bytes = Self.encoded(Self.values, after: 1)
        bytes.withUnsafeBytes { all in
            let floats = LittleEndianFloats(UnsafeRawBufferPointer(rebasing: all[1...]))
            #expect(floats.count == Self.values.count)
            #expect(floats.indices.map { floats[$0].bitPattern } == Self.values.map(\.bitPattern))
            #expect(floats.map(\.bitPattern) == Self.values.map(\.bitPattern))
        }
    }

    @Test func noBytesAreAnEmptyVector() {
        #expect(Array(LittleEndianFloats(UnsafeRawBufferPointer(start: nil, count: 0))).isEmpty)
    }
}
