/// Work beside the products that splits the way they do: a merged adapter's quantisation, for
/// one. `body` runs on contiguous runs of `0..<count` on the products' pool, with
/// `RowProducts.threads` threads (fewer when a run would be under `minimumRun` items, one when
/// `count` is small). Correct only for work whose every item's result is independent of the
/// run it falls in: then the thread count never changes a bit.
public enum ParallelRuns {
    public static func forEach(_ count: Int, minimumRun: Int = 64, _ body: @Sendable (Range<Int>) -> Void) {
        guard count > 0 else { return }
        WorkerPool.shared.split(outputs: count, threads: RowProducts.threads, minimumRun: minimumRun, body)
    }
}
