import Foundation

/// A demo's results as `--json` writes them: sorted, indented JSON ending in a newline, so a
/// stable report has stable bytes.
public protocol DemoResults: Encodable {}

extension DemoResults {
    public func json() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return Array(try encoder.encode(self)) + [10]
    }
}
