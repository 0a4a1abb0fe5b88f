import ArgumentParser
import Clustering
import CommandLineSupport

struct SAGEBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sage",
        abstract: "SAGE's trigger buffer: how long HDBSCAN takes on MiniLM-like points.",
        discussion: helpText("""
          hdbscan_ms_nN   HDBSCAN (min_cluster_size 2, min_samples 1, SAGE's settings) on N
                          384-dimensional unit vectors in 20 loose groups, as MiniLM embeds
                          prompts of a few kinds; the median of --runs runs
          hdbscan_clusters_nN  clusters found (a check that the points have structure)

        The trigger, LoRA store and cluster search of issue 13 add their lines when they land.

        Example:
          swift run -c release gesal-bench sage --sizes 500,2000
        """))

    @Option(help: "Buffer sizes, comma-separated.")
    var sizes = "500,2000,5000"

    @Option(help: "Runs per size (the median is printed).")
    var runs = 3

    func validate() throws {
        guard let parsed = NumberList.parse(sizes), !parsed.isEmpty, parsed.allSatisfy({ (2...20_000).contains($0) }) else {
            throw ValidationError("--sizes must be numbers from 2 to 20000, comma-separated, not '\(sizes)'")
        }
        guard (1...20).contains(runs) else { throw ValidationError("--runs must be 1 to 20, not \(runs)") }
    }

    func run() throws {
        let hdbscan = HDBSCAN(minClusterSize: 2, minSamples: 1)
        for size in NumberList.parse(sizes)! {
            let points = Self.miniLMLike(count: size, groups: 20, seed: UInt64(size))
            var labels: [Int] = []
            let seconds = try (0..<runs).map { _ in try timed { labels = try hdbscan.labels(of: points) } }
            print(line("hdbscan_ms_n\(size)", median(seconds) * 1000))
            print("hdbscan_clusters_n\(size)=\(Set(labels).subtracting([-1]).count)")
        }
    }

    /// Unit vectors near `groups` random directions (a direction plus noise, normalised).
    static func miniLMLike(count: Int, groups: Int, seed: UInt64) -> [[Float]] {
        var state = seed &+ 0x9E37_79B9_7F4A_7C15
        func uniform() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24) * 2 - 1
        }
        func unit(_ v: [Float]) -> [Float] {
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return v.map { $0 / norm }
        }
        let centres = (0..<groups).map { _ in unit((0..<384).map { _ in uniform() }) }
        return (0..<count).map { index in unit(centres[index % groups].map { $0 + 0.06 * uniform() }) }
    }
}
