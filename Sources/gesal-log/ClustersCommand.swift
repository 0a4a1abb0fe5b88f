import ArgumentParser
import CommandLineSupport
import EventLog
import GESAL

struct ClustersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clusters",
        abstract: "SAGE's buffer on a branch: the answers the trigger fired on, and the clusters formed from their prompts.",
        discussion: helpText("""
        Replays the branch and prints how many answers entered the buffer, each formed
        cluster with its members' prompts, and the buffer's unclustered answers (noise, kept
        for later rounds). A store made with `gesal init --trigger --buffer` has one.
        `gesal-log audit cluster N` tells how a cluster came to be.

        Examples:
          gesal-log clusters
          gesal-log clusters --branch experiment --prompts 3
        """))

    @OptionGroup var location: StoreLocation

    @Option(help: "The branch to read.")
    var branch = "main"

    @Option(help: "Prompts to print per cluster (0: only the numbers).")
    var prompts = 5

    func validate() throws {
        guard prompts >= 0 else { throw ValidationError("--prompts is \(prompts): it must be 0 or more") }
    }

    func run() throws {
        try reportingErrors {
            let state = try Replay.run(try location.open(), branch: branch).state
            guard state.created?.config.buffer != nil else {
                print("branch '\(branch)' of \(location.storeShown) has no buffer (make a store with `gesal init --trigger --buffer`)")
                return
            }
            let buffer = state.buffer
            let clustered = Set(buffer.clusters.values.flatMap(\.members))
            let made = buffer.nextCluster - 1
            if let settings = state.created?.config.loraStore {
                print("LoRA pool: \(state.pool.adapters.count) of \(settings.poolSize) adapters; a cluster is searched at \(settings.minLabelled) labelled answers "
                    + "and again each time they double")
            }
            print("buffer: \(buffer.samples.count) answers the trigger fired on; \(buffer.clusters.count) clusters "
                + "(\(made) formed, \(made - buffer.clusters.count) merged or dissolved); \(buffer.samples.count(where: { !clustered.contains($0) })) unclustered")
            if let last = buffer.labelings.last {
                let sizes = Dictionary(grouping: last.filter { $0 >= 0 }, by: { $0 }).values.map(\.count).sorted(by: >)
                print("last round: HDBSCAN found \(sizes.count) clusters" + (sizes.isEmpty ? "" : " of \(sizes.map(String.init).joined(separator: ", ")) answers")
                    + ", \(last.count(where: { $0 < 0 })) answers as noise (a cluster forms after holding \(state.created!.config.buffer!.stableRounds) rounds)")
            }
            for id in buffer.clusters.keys.sorted() {
                let cluster = buffer.clusters[id]!
                let adapter = state.pool.adapters[id].map { a in
                    "; adapter \(a.blob.prefix(12)) (exact match +\(Audit.format(a.gain)) over the base model, \(a.routed) answers given with it)"
                } ?? state.pool.searched[id].map { "; searched at \($0) labelled answers, no adapter kept" } ?? ""
                print("cluster \(id): \(cluster.members.count) answers (interactions \(Audit.list(cluster.members)))\(adapter)")
                for member in cluster.members.prefix(prompts) {
                    print("  \(member)\t\(terminalSafe(Audit.quote(state.interactions[member]?.prompt ?? "?")))")
                }
            }
        }
    }
}
