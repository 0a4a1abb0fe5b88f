import Glibc

/// Monotonic seconds (`clock_gettime(CLOCK_MONOTONIC)`).
func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
}

/// Runs `body` and returns how long it took.
func timed(_ body: () throws -> Void) rethrows -> Double {
    let start = monotonicSeconds()
    try body()
    return monotonicSeconds() - start
}

/// The fastest of `count` runs, in seconds.
func bestOf(_ count: Int, _ body: () -> Void) -> Double {
    (0..<max(count, 1)).map { _ in timed(body) }.min()!
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted[sorted.count / 2]
}

/// `name=value` with a fixed number of decimals.
func line(_ name: String, _ value: Double, decimals: Int = 1) -> String {
    var scaled = value
    for _ in 0..<decimals { scaled *= 10 }
    let rounded = scaled.rounded()
    var text = String(Int64(rounded))
    if decimals > 0 {
        let negative = text.hasPrefix("-")
        var digits = negative ? String(text.dropFirst()) : text
        while digits.count <= decimals { digits = "0" + digits }
        digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -decimals))
        text = (negative ? "-" : "") + digits
    }
    return "\(name)=\(text)"
}
