/// A comma-separated list of whole numbers, as the benchmarks' size options take them
/// ("1,4,16"); nil when any part is not a number (an empty one included), so a typo is an
/// error and not a size left out.
enum NumberList {
    static func parse(_ text: String) -> [Int]? {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        return parts.contains(nil) ? nil : parts.compactMap { $0 }
    }
}
