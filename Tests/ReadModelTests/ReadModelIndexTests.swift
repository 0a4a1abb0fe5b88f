import Foundation
import Testing
import TestSupport
import EventLog
import GESAL
@testable import ReadModel
import SystemIO

/// The migrations compiled in match migrations/, run once and are recorded; the index of a
/// branch holds what the projection holds.
@Suite struct ReadModelIndexTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    @Test func everyMigrationFileIsCompiledInOrder() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.root + "/migrations").filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files.map { String($0.dropLast(4)) } == Migrator.standard.migrations.map(\.name))
        #expect(Migrator.standard.migrations.map(\.version) == Array(1...files.count))
        for (file, migration) in zip(files, Migrator.standard.migrations) {
            #expect(try String(contentsOfFile: Self.root + "/migrations/" + file, encoding: .utf8) == migration.sql)
        }
    }

    @Test func migrationsRunOnceAndANewerDatabaseIsRefused() throws {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-readmodel")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let db = try SQLiteDatabase(path: path + "/rm.sqlite")
        #expect(try Migrator.standard.migrate(db) == ["0001_initial", "0002_feedback_corrections", "0003_interaction_requests",
                                                        "0004_trigger", "0005_buffer", "0006_lora_pool"])
        #expect(try Migrator.standard.migrate(db).isEmpty)
        try db.execute("INSERT INTO migrations (version, name, sha256, applied_at) VALUES (99, '0099_future', 'x', 'now')")
        #expect { try Migrator.standard.migrate(db) } throws: { "\($0)".contains("migration 99 (0099_future)") && "\($0)".contains("newer GESAL") }
    }

    @Test func reindexHoldsWhatTheProjectionHolds() throws {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-readmodel")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try LogWriter.create(at: path + "/store", options: StoreOptions(durability: .none))
        var events: [DomainEvent] = [.storeCreated(StoreCreated(modelFingerprint: "f", model: "m", embedder: "e", threads: 1, blasCore: "c", seed: 0,
                                                                config: EngineConfig(bufferSize: 2)))]
        events += [
            .nodeCreated(NodeCreated(node: 1, interaction: 1, embedding: Vector([1, 0]), nearest: nil, similarity: nil)),
            .interactionRecorded(Self.interaction(1, node: 1, "What is 2 + 2?", "5")),
            .nodeCreated(NodeCreated(node: 2, interaction: 2, embedding: Vector([0.6, 0.8]), nearest: 1, similarity: 0.6)),
            .interactionRecorded(Self.interaction(2, node: 2, "Capital of France?", "Paris")),
            .feedbackRecorded(FeedbackRecorded(interaction: 1, reward: -2, source: "user")),
            .feedbackRecorded(FeedbackRecorded(interaction: 2, reward: 1, source: "user")),
            .feedbackRecorded(FeedbackRecorded(interaction: 1, reward: -2, source: "checker")),
            .adapterUpdated(AdapterUpdated(node: 1, method: "reinforce-svf", adapterBlob: try writer.putBlob([1]).hex,
                                           optimizerBlob: try writer.putBlob([2]).hex, loss: 0.5, interactions: [1])),
        ]
        for event in events { try writer.append([try event.draft()]) }
        let db = try SQLiteDatabase(path: path + "/rm.sqlite")
        let counts = try ReadModelIndex.rebuild(db, from: writer.store)
        #expect(counts == ReadModelIndex.Counts(events: 9, interactions: 2, feedback: 3, nodes: 2, edges: 2, adapters: 1))
        // Rebuilding replaces, never duplicates.
        #expect(try ReadModelIndex.rebuild(db, from: writer.store) == counts)

        let lineage = try db.prepare("SELECT position, interaction, reward FROM lineage ORDER BY position")
        var rows: [String] = []
        while try lineage.step() { rows.append("\(lineage.int64(0)):\(lineage.int64(1)):\(lineage.text(2) ?? "")") }
        #expect(rows == ["0:1:-2.0", "1:1:-2.0"])
        let nodes = try db.prepare("SELECT id, adapter_version, rejected_responses, buffered FROM nodes ORDER BY id")
        var summary: [[Int64]] = []
        while try nodes.step() { summary.append((0..<4).map { nodes.int64(Int32($0)) }) }
        #expect(summary == [[1, 1, 1, 0], [2, 0, 0, 1]])
        let hash = try db.prepare("SELECT value FROM meta WHERE key = 'state_hash'")
        #expect(try hash.step() && hash.text(0) == (try Replay.run(writer.store)).state.hash.hex)
        try writer.close()
    }

    @Test func anInteractionsRequestIsQueryableAsJSON() throws {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-readmodel")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try LogWriter.create(at: path + "/store", options: StoreOptions(durability: .none))
        var asked = Self.interaction(2, node: 1, "Capital of France?", "Paris")
        asked.request = AnswerRequest(system: "Answer in one word.", temperature: 0.5, seed: 9)
        let events: [DomainEvent] = [
            .storeCreated(StoreCreated(modelFingerprint: "f", model: "m", embedder: "e", threads: 1, blasCore: "c", seed: 0, config: EngineConfig())),
            .nodeCreated(NodeCreated(node: 1, interaction: 1, embedding: Vector([1, 0]), nearest: nil, similarity: nil)),
            .interactionRecorded(Self.interaction(1, node: 1, "What is 2 + 2?", "4")),
            .nodeUpdated(NodeUpdated(node: 1, interaction: 2, centroid: Vector([1, 0]), count: 2)),
            .interactionRecorded(asked),
        ]
        for event in events { try writer.append([try event.draft()]) }
        let db = try SQLiteDatabase(path: path + "/rm.sqlite")
        _ = try ReadModelIndex.rebuild(db, from: writer.store)
        let query = try db.prepare("SELECT id, json_extract(request, '$.system'), json_extract(request, '$.seed') FROM interactions ORDER BY id")
        var rows: [String] = []
        while try query.step() { rows.append("\(query.int64(0)):\(query.text(1) ?? "null"):\(query.text(2) ?? "null")") }
        #expect(rows == ["1:null:null", "2:Answer in one word.:9"])
        try writer.close()
    }

    @Test func triggerJudgementsAndAnswerSignalsAreQueryable() throws {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-readmodel")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try LogWriter.create(at: path + "/store", options: StoreOptions(durability: .none))
        var measured = Self.interaction(1, node: 1, "What is 2 + 2?", "5")
        measured.signals = AnswerSignals(firstTokenMargin: 0.25, meanEntropy: 1.5, meanLogProbability: -0.75, steps: 3, nearestNode: nil)
        let judged = TriggerSettings(warmup: 5).judge(interaction: 1, reward: -2, signals: measured.signals!.named, calibration: nil)
        let events: [DomainEvent] = [
            .storeCreated(StoreCreated(modelFingerprint: "f", model: "m", embedder: "e", threads: 1, blasCore: "c", seed: 0,
                                       config: EngineConfig(trigger: TriggerSettings(warmup: 5)))),
            .nodeCreated(NodeCreated(node: 1, interaction: 1, embedding: Vector([1, 0]), nearest: nil, similarity: nil)),
            .interactionRecorded(measured),
            .feedbackRecorded(FeedbackRecorded(interaction: 1, reward: -2, source: "user")),
            .triggerFired(judged),
            .triggerFired(TriggerFired(interaction: 1, scores: ["buffered": 1], threshold: 1)),
        ]
        for event in events { try writer.append([try event.draft()]) }
        let db = try SQLiteDatabase(path: path + "/rm.sqlite")
        #expect(try ReadModelIndex.rebuild(db, from: writer.store).triggers == 1, "a learning step's trigger (v1) is not a judgement")
        let query = try db.prepare("""
            SELECT t.fired, t.cause, t.score IS NULL, json_extract(t.signals, '$.meanEntropy'), i.first_token_margin, i.nearest_node IS NULL
            FROM triggers t JOIN interactions i ON i.id = t.interaction
            """)
        #expect(try query.step())
        #expect(query.int64(0) == 1 && query.text(1) == "negativeFeedback" && query.int64(2) == 1)
        #expect(query.text(3) == "1.5" && query.text(4) == "0.25" && query.int64(5) == 1)
        try writer.close()
    }

    /// The buffer's history (`BufferFixture`, 7 answers: both groups form in round 6, and the
    /// seventh joins A's cluster), then a merge of the two when every centre is close enough.
    @Test func bufferSamplesAndClustersAreQueryable() throws {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-readmodel")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try LogWriter.create(at: path + "/store", options: StoreOptions(durability: .none))
        for event in try BufferFixture.stream(7, buffer: BufferSettings(mergeCosine: -1)).events { try writer.append([try event.draft()]) }
        let db = try SQLiteDatabase(path: path + "/rm.sqlite")
        let counts = try ReadModelIndex.rebuild(db, from: writer.store)
        #expect(counts.bufferSamples == 7 && counts.clusters == 3)
        let clusters = try db.prepare("SELECT id, origin, ended, merged_into, (SELECT count(*) FROM cluster_members m WHERE m.cluster = c.id) FROM clusters c ORDER BY id")
        var rows: [String] = []
        while try clusters.step() { rows.append("\(clusters.int64(0)) \(clusters.text(1) ?? "-") \(clusters.text(2) ?? "-") \(clusters.text(3) ?? "-") \(clusters.int64(4))") }
        #expect(rows == ["1 formed merged 3 4", "2 formed merged 3 3", "3 merged - - 7"], "cluster 1 took interaction 7 before the merge")
        try writer.close()
    }

    /// Two searches into a pool of one: cluster 2's adapter gained less and retires at once.
    @Test func searchesTheirCandidatesAndRetirementsAreQueryable() throws {
        let path = try FileSystem().makeTemporaryDirectory(prefix: "gesal-readmodel")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try LogWriter.create(at: path + "/store", options: StoreOptions(durability: .none))
        var (state, events) = try PoolFixture.stream()
        for cluster in [1, 2] {
            let search = PoolFixture.search(cluster, in: state, base: cluster == 1 ? 0 : 0.5)
            try state.apply(.adapterTrained(search))
            events += [.adapterTrained(search)] + state.pending
            for derived in state.pending { try state.apply(derived) }
        }
        for cluster in [1, 2] { _ = try writer.putBlob(Array("cluster \(cluster) candidate 0".utf8)) }  // the kept adapters (`PoolFixture.hash`)
        for event in events { try writer.append([try event.draft()]) }
        let db = try SQLiteDatabase(path: path + "/rm.sqlite")
        #expect(try ReadModelIndex.rebuild(db, from: writer.store).searches == 2)
        let searches = try db.prepare("""
            SELECT s.cluster, s.chosen, s.retired, (SELECT count(*) FROM lora_candidates c WHERE c.search = s.sequence) FROM lora_searches s ORDER BY s.cluster
            """)
        var rows: [String] = []
        while try searches.step() { rows.append("\(searches.int64(0)) \(searches.int64(1)) \(searches.text(2) ?? "-") \(searches.int64(3))") }
        #expect(rows == ["1 0 - 2", "2 0 poolFull 2"])
        try writer.close()
    }

    static func interaction(_ id: Int, node: Int, _ prompt: String, _ response: String) -> InteractionRecorded {
        InteractionRecorded(interaction: id, prompt: prompt, response: response, node: node, embedding: Vector([1, 0]), similarity: 1, adapter: nil,
                            sampling: SamplingRecord(temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1, maxTokens: 8, seed: 0),
                            promptTokens: 3, responseTokens: 1)
    }
}
