import Foundation
import Testing
@testable import Clustering

/// GESAL's HDBSCAN against scikit-learn's, on the point sets of
/// Tests/ClusteringTests/Fixtures/hdbscan.json (scripts/make-hdbscan-golden.py): blobs, blobs
/// in noise, moons, blobs of varied density in 8-d, and real MiniLM embeddings of task prompts.
/// scikit-learn sorts the spanning tree's edges with an unstable sort, so where weights tie its
/// labels depend on numpy's sorting kernel; we sort stably. The fixture holds both its public
/// labels and its own steps' labels under a stable sort, and says which sets have no tie that
/// matters.
struct HDBSCANTests {
    struct Golden: Decodable {
        struct PointSet: Decodable {
            var name: String
            var min_cluster_size: Int
            var min_samples: Int?
            var points: [[Float]]
            var labels: [Int]
            var labels_stable_sort: [Int]
            var tie_free: Bool
        }
        struct ARICase: Decodable {
            var a: [Int]
            var b: [Int]
            var score: Double
        }
        var sets: [PointSet]
        var ari: [ARICase]
    }

    static let golden = try! JSONDecoder().decode(Golden.self, from: Data(contentsOf: Bundle.module.url(forResource: "Fixtures/hdbscan", withExtension: "json")!))

    /// True when `a` and `b` are one partition under other cluster numbers, with the same noise.
    static func samePartition(_ a: [Int], _ b: [Int]) -> Bool {
        guard a.count == b.count else { return false }
        var forward: [Int: Int] = [:], backward: [Int: Int] = [:]
        for (x, y) in zip(a, b) {
            if (x == -1) != (y == -1) { return false }
            if forward[x, default: y] != y || backward[y, default: x] != x { return false }
            forward[x] = y
            backward[y] = x
        }
        return true
    }

    @Test(arguments: golden.sets.filter(\.tie_free).map(\.name))
    func labelsAreScikitLearnsUpToRenaming(set name: String) throws {
        let set = Self.golden.sets.first { $0.name == name }!
        let labels = try HDBSCAN(minClusterSize: set.min_cluster_size, minSamples: set.min_samples).labels(of: set.points)
        #expect(Self.samePartition(labels, set.labels), "\(name): ours \(labels), scikit-learn's \(set.labels)")
        #expect(Set(set.labels).subtracting([-1]).count >= 2, "the set has clusters to find")
    }

    /// Where equal weights meet on a boundary, scikit-learn's steps with a stable sort.
    @Test(arguments: golden.sets.filter { !$0.tie_free }.map(\.name))
    func tiedWeightsMergeInTheStableOrder(set name: String) throws {
        let set = Self.golden.sets.first { $0.name == name }!
        let labels = try HDBSCAN(minClusterSize: set.min_cluster_size, minSamples: set.min_samples).labels(of: set.points)
        #expect(Self.samePartition(labels, set.labels_stable_sort), "\(name): ours \(labels), scikit-learn's with a stable sort \(set.labels_stable_sort)")
        #expect(!Self.samePartition(labels, set.labels), "the set shows the tie")
    }

    @Test func atLeastFiveSetsCompareWithScikitLearnsPublicLabels() {
        #expect(Self.golden.sets.filter(\.tie_free).count >= 5)
        #expect(Self.golden.sets.contains { $0.name.hasPrefix("MiniLM") && $0.tie_free })
    }

    /// The comparison must be able to say no: two clusters merged, a point moved, noise
    /// labelled, or labels swapped one way only are other partitions.
    @Test func theComparisonTellsOtherPartitionsApart() {
        let labels = [0, 0, 1, 1, 2, -1]
        #expect(Self.samePartition(labels, [2, 2, 0, 0, 1, -1]))
        #expect(!Self.samePartition(labels, [0, 0, 0, 0, 2, -1]))
        #expect(!Self.samePartition(labels, [0, 1, 1, 1, 2, -1]))
        #expect(!Self.samePartition(labels, [0, 0, 1, 1, 2, 3]))
        #expect(!Self.samePartition([0, 0, 1, 1], [0, 0, 0, 0]))
    }

    @Test func tooFewPointsAreNoise() throws {
        #expect(try HDBSCAN(minClusterSize: 2, minSamples: 1).labels(of: []) == [])
        #expect(try HDBSCAN(minClusterSize: 2, minSamples: 1).labels(of: [[1, 2]]) == [-1])
    }

    @Test func settingsOutOfRangeAreRefusedByName() {
        #expect(throws: ClusteringError("min_cluster_size must be at least 2, not 1")) {
            try HDBSCAN(minClusterSize: 1).labels(of: [[0], [1]])
        }
        #expect(throws: ClusteringError("min_samples must be at least 1, not 0")) {
            try HDBSCAN(minClusterSize: 2, minSamples: 0).labels(of: [[0], [1]])
        }
        #expect(throws: ClusteringError("min_samples (5) is more than the 3 points")) {
            try HDBSCAN(minClusterSize: 5).labels(of: [[0], [1], [2]])
        }
    }

    @Test func pointsThatAreNotAPointSetAreRefusedByName() {
        #expect(throws: ClusteringError("point 1 has 1 coordinates, point 0 has 2")) {
            try HDBSCAN(minClusterSize: 2, minSamples: 1).labels(of: [[0, 0], [1], [2, 2]])
        }
        #expect(throws: ClusteringError("point 2 has a coordinate that is not a finite number")) {
            try HDBSCAN(minClusterSize: 2, minSamples: 1).labels(of: [[0, 0], [1, 1], [.nan, 2]])
        }
    }
}
