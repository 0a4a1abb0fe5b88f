#if !FUZZING
import ArgumentParser
import CommandLineSupport

@main
struct GESALFuzz: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gesal-fuzz",
        abstract: "Replay fuzzing inputs through GESAL's parsers, and make seed inputs from a store.",
        discussion: helpText("""
        GESAL's parsers of outside bytes (model files, tokenizers, segments, events, snapshots,
        adapter blobs) are fuzzed with libFuzzer by scripts/fuzz.sh, which builds this tool
        with -sanitize=fuzzer in .build-fuzz/. This plain build runs the same targets without
        libFuzzer: to reproduce a finding, or to check a corpus.

        Targets: \(FuzzTargetArgument.names)

        Examples:
          gesal-fuzz run gguf crash-5f2a…           reproduce one input
          gesal-fuzz run segment Tests/FuzzCorpusTests/Corpora/segment
          gesal-fuzz extract --store .gesal --out /tmp/seeds
          scripts/fuzz.sh segment 600               fuzz for ten minutes

        See docs/reliability.md, "Fuzzing".
        """),
        subcommands: [RunCommand.self, ExtractCommand.self])
}
#endif
