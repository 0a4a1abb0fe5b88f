import Foundation
import Testing
@testable import Tensor

/// `Ops.swiglu` against its definition, silu(g) · u = g / (1 + e^-g) · u, in double precision,
/// below and above the count from which it splits the values across threads.
@Suite(.serialized) struct SwiGLUTests {
    @Test(arguments: [7, 4096, 3 * 1536 + 5]) func eachValueIsSiluOfTheGateTimesUp(count: Int) {
        let before = RowProducts.threadCount.exchange(2, ordering: .relaxed)
        defer { RowProducts.threadCount.store(before, ordering: .relaxed) }
        let gate = (0..<count).map { Float(($0 * 7919) % 2001 - 1000) / 100 }
        let up = (0..<count).map { Float(($0 * 104_729) % 1001 - 500) / 250 }
        var out = gate
        up.withUnsafeBufferPointer { u in out.withUnsafeMutableBufferPointer { Ops.swiglu(gate: $0.baseAddress!, up: u.baseAddress!, count: count) } }
        for i in 0..<count {
            let g = Double(gate[i]), expected = g / (1 + Foundation.exp(-g)) * Double(up[i])
            #expect(abs(Double(out[i]) - expected) <= 1e-6 * max(1, abs(expected)), "value \(i): \(out[i]) against \(expected)")
        }
    }
}
