import Dispatch
import Foundation
import Synchronization
import Testing
@testable import Tensor

/// The pool that runs the products' pieces: every piece of every job runs once and the job
/// has ended when `run` returns, whether helpers keep up, sleep between jobs, or another caller
/// holds the pool (which then runs on libdispatch).
@Suite struct WorkerPoolTests {
    /// Runs `jobs` jobs of 2 to 4 pieces; returns how often each (job, piece) ran, as seen
    /// right after its job returned. Counted with an atomic (a byte per piece), which
    /// ThreadSanitizer sees, where it does not see `Synchronization.Mutex` (docs/reliability.md).
    static func counts(jobs: Int, pause: Bool = false) -> [Int] {
        var seen: [Int] = []
        for job in 0..<jobs {
            let pieces = 2 + job % 3
            let runs = Atomic<Int>(0)
            WorkerPool.shared.run(workers: pieces) { piece in runs.add(1 << (8 * piece), ordering: .relaxed) }
            let total = runs.load(ordering: .relaxed)
            seen += (0..<pieces).map { (total >> (8 * $0)) & 0xFF }
            if pause && job % 100 == 0 { usleep(2_000) }  // long enough for helpers to sleep
        }
        return seen
    }

    @Test func everyPieceRunsOnceBeforeRunReturns() {
        let seen = Self.counts(jobs: 3000)
        #expect(seen.allSatisfy { $0 == 1 }, "\(seen.filter { $0 != 1 }.count) pieces ran other than once")
    }

    @Test func helpersThatSleptWakeForTheNextJob() {
        let seen = Self.counts(jobs: 500, pause: true)
        #expect(seen.allSatisfy { $0 == 1 })
    }

    @Test func twoCallersAtOnceEachGetTheirPiecesRunOnce() {
        let wrong = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            wrong.add(Self.counts(jobs: 1000).filter { $0 != 1 }.count, ordering: .relaxed)
        }
        #expect(wrong.load(ordering: .relaxed) == 0)
    }
}
