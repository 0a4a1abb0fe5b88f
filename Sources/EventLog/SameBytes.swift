import Foundation

extension Array where Element == UInt8 {
    /// Whether this array holds exactly `bytes`: the lengths, then one `memcmp`. A walk compares
    /// type tables and names this way per record; `elementsEqual` went byte by byte through the
    /// collection protocols (4% of a replay's fold thread, callgrind).
    func holds(_ bytes: UnsafeRawBufferPointer) -> Bool {
        count == bytes.count && (bytes.isEmpty || withUnsafeBytes { memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 })
    }
}
