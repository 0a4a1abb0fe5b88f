// swift-tools-version:6.0
// GESAL: a self-adapting language-model runtime whose whole learning history is an event log.
// Layers (see docs/architecture.md): system libraries -> SystemIO -> EventLog / ReadModel -> CLIs.
import PackageDescription

let package = Package(
    name: "gesal",
    products: [
        .executable(name: "gesal", targets: ["gesal"]),
        .executable(name: "gesal-log", targets: ["gesal-log"]),
        .executable(name: "gesal-bench", targets: ["gesal-bench"]),
        .executable(name: "gesal-fuzz", targets: ["gesal-fuzz"]),
        .library(name: "EventLog", targets: ["EventLog"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        // C libraries from Debian, one system-library target each.
        .systemLibrary(name: "CLZ4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "COpenBLAS", providers: [.apt(["libopenblas-dev"])]),

        // Every syscall the storage code makes, behind one seam (fault injection in tests).
        .target(name: "SystemIO"),
        // The append-only, LZ4-framed, hash-chained event log with branches and blobs.
        .target(
            name: "EventLog",
            dependencies: ["SystemIO", "CLZ4", "CChecksum", .product(name: "Crypto", package: "swift-crypto")]),
        // CRC-32C with SSE 4.2's instruction, chosen at run time (the portable tables stay in Swift).
        .target(name: "CChecksum", cSettings: [.unsafeFlags(["-O2"], .when(configuration: .debug))]),
        // Float32 buffers, the OpenBLAS calls, the few ops the models need.
        // The decode step's own kernels (RowProducts) are optimised in debug builds too: unoptimised
        // SIMD code is two orders of magnitude slower, and every test that generates runs them.
        .target(name: "Tensor", dependencies: ["COpenBLAS", "CKernels"], swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        // Our own C kernels, for instructions chosen by CPU at run time (AVX2 and FMA, AVX-512); no
        // contraction beyond the FMAs written out, so each sum's order is the one in the source.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-ffp-contract=off"]), .unsafeFlags(["-O2"], .when(configuration: .debug))]),
        // Model files (GGUF, safetensors), tokenisers, Llama and BERT forward passes, generation.
        .target(name: "Models", dependencies: ["Tensor", "SystemIO", "CKernels"]),
        // Learning at inference time: adapters (SVF, LoRA), the backward pass, losses, optimisers.
        // Clustering for SAGE's trigger buffer: HDBSCAN, checked against scikit-learn.
        .target(name: "Clustering"),
        .target(name: "Adaptation", dependencies: ["Models", "Tensor", "SystemIO", .product(name: "Crypto", package: "swift-crypto")]),
        // The GESAL domain: events, the projection (graph memory, adapter store, buffers, SAGE's
        // clusters), state hash.
        .target(name: "GESAL", dependencies: ["EventLog", "Tensor", "Clustering", "CKernels"]),
        // GESAL running on a log: ask, feedback and learning with the real models; re-execution, rollback.
        .target(name: "Engine", dependencies: ["GESAL", "Adaptation", "Models", "EventLog", "SystemIO", "Tensor", "Tasks"]),
        // Evaluation tasks: letter counting, arithmetic, the control set; strict answers, splits, intervals.
        .target(name: "Tasks", dependencies: ["Models"]),
        // The learning demo: teach, poison and roll back on a fresh store, with its table, JSON and chart.
        .target(name: "Demo", dependencies: ["Engine", "GESAL", "EventLog", "Tasks", "Clustering"]),
        // What the command-line tools share: progress bars, time formatting, the JSON-lines event format.
        .target(name: "CommandLineSupport", dependencies: ["SystemIO", "EventLog", "PostgresLog", "GESAL", "Engine", "Models", "Tensor", "Adaptation", "Tasks",
                                                           .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // The read model's SQL migrations, compiled into the binaries (see migrations/README.md).
        .target(name: "Migrations", path: "migrations", exclude: ["README.md"], resources: [.embedInCode("0001_initial.sql"), .embedInCode("0002_feedback_corrections.sql"),
                                                                                              .embedInCode("0003_interaction_requests.sql"),
                                                                                              .embedInCode("0004_trigger.sql"),
                                                                                              .embedInCode("0005_buffer.sql"),
                                                                                              .embedInCode("0006_lora_pool.sql"),
                                                                                              .embedInCode("postgres/0001_event_store.sql")]),
        // The SQLite read model: a thin wrapper over libsqlite3, the migrator, the index of a branch.
        .target(name: "ReadModel", dependencies: ["CSQLite", "Migrations", "GESAL", "EventLog"]),

        // The event store on PostgreSQL (postgres-nio): the same records, branches and blobs as a
        // folder, appends with optimistic concurrency, shared by several workers.
        .target(name: "PostgresLog", dependencies: ["EventLog", "Migrations", .product(name: "PostgresNIO", package: "postgres-nio"),
                                                    .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                                                    .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                                                    .product(name: "Logging", package: "swift-log")]),

        // `gesal serve`: the OpenAI-compatible HTTP API and the feedback route, on Hummingbird.
        .target(name: "Server", dependencies: ["Engine", "GESAL", "EventLog", "Models", "SystemIO",
                                               .product(name: "Hummingbird", package: "hummingbird"),
                                               .product(name: "HTTPTypes", package: "swift-http-types"),
                                               .product(name: "Crypto", package: "swift-crypto")]),

        .executableTarget(
            name: "gesal",
            dependencies: ["EventLog", "PostgresLog", "GESAL", "Engine", "Models", "Tensor", "Adaptation", "CommandLineSupport", "Tasks", "Demo", "Server",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(
            name: "gesal-log",
            dependencies: ["EventLog", "PostgresLog", "CommandLineSupport", "GESAL", "Engine", "ReadModel", "Adaptation", "Models", "Tensor", "Tasks", "Demo", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(
            name: "gesal-bench",
            dependencies: ["EventLog", "PostgresLog", "ReadModel", "SystemIO", "CommandLineSupport", "Models", "Tensor", "Adaptation", "GESAL", "Engine", "Server", "Clustering",
                           "Tasks", "Demo", "CHeapStatistics", .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        // The parsers of outside bytes as fuzzing targets (scripts/fuzz.sh), and their tool.
        .target(name: "FuzzTargets", dependencies: ["EventLog", "GESAL", "Models", "Adaptation", "Server"]),
        .target(name: "CFuzzing"),
        .target(name: "CHeapStatistics"),
        .executableTarget(
            name: "gesal-fuzz",
            dependencies: ["FuzzTargets", "CFuzzing", "EventLog", "GESAL", "Adaptation", "CommandLineSupport",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        .testTarget(name: "SystemIOTests", dependencies: ["SystemIO"]),
        .testTarget(name: "EventLogTests", dependencies: ["EventLog", "SystemIO", "TestSupport"]),
        .testTarget(name: "ReadModelTests", dependencies: ["ReadModel", "GESAL", "EventLog", "SystemIO", "TestSupport"]),
        .testTarget(name: "GESALTests", dependencies: ["GESAL", "EventLog", "SystemIO", "TestSupport", "CKernels"]),
        .testTarget(name: "TasksTests", dependencies: ["Tasks"], resources: [.copy("Fixtures")]),
        .testTarget(name: "DemoTests", dependencies: ["Demo", "Engine", "GESAL", "Tasks", "TestSupport"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "GESAL", "EventLog", "Models", "Adaptation", "Tensor", "Tasks", "SystemIO", "TestSupport"], exclude: ["Fixtures"]),
        // What test suites share: the real models loaded once (a missing one disables the suites
        // that need it, not the process), scratch stores.
        .target(name: "TestSupport", dependencies: ["Engine", "GESAL", "EventLog", "Models", "Adaptation", "PostgresLog"], path: "Tests/TestSupport"),
        .testTarget(name: "PostgresLogTests", dependencies: ["PostgresLog", "EventLog", "GESAL", "SystemIO", "TestSupport"]),
        .testTarget(name: "ServerTests", dependencies: ["Server", "TestSupport", "Engine", "GESAL", "EventLog", "Models", "SystemIO",
                                                        .product(name: "HummingbirdTesting", package: "hummingbird"),
                                                        .product(name: "HTTPTypes", package: "swift-http-types")]),
        .testTarget(name: "AdaptationTests", dependencies: ["Adaptation", "Models", "Tensor", "TestSupport"]),
        .testTarget(name: "ModelTests", dependencies: ["Models", "Tensor", "CKernels", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "FuzzCorpusTests", dependencies: ["FuzzTargets"], resources: [.copy("Corpora")]),
        .testTarget(name: "ClusteringTests", dependencies: ["Clustering"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "CLITests",
            dependencies: ["EventLog", "PostgresLog", "SystemIO", "CommandLineSupport", "GESAL", "TestSupport", "gesal-log", "gesal-bench", "gesal"]),
    ],
    swiftLanguageModes: [.v6]
)
