import Adaptation
import EventLog
import Foundation
import GESAL
import Models
import SystemIO
import Tensor

/// The models an engine runs with: the chat model, the embedder, and the SVD bases of the
/// layers SVF adapts. Read-only once loaded, so one instance serves every step. The bases are
/// loaded at their first use: an answer from a node without an adapter needs none of them,
/// and loading them (hashing every MLP matrix to find its cached basis) costs about a second.
public final class EngineModels: Sendable {
    public let language: LanguageModel
    public let embedder: Embedder
    /// Identifies the model's weights (SHA-256 of the file for models loaded from disk).
    public let fingerprint: String
    public let threads: Int
    public let blasCore: String
    private let loadBases: @Sendable () throws -> [LinearSite: SVFBasis]
    private let loadedBases = Locked<[LinearSite: SVFBasis]?>(nil)

    /// Models whose SVD bases come from `loadBases`, called once, at the first `bases()`.
    public init(language: LanguageModel, embedder: Embedder, fingerprint: String, threads: Int, blasCore: String = BLASKernels.coreName,
                loadBases: @escaping @Sendable () throws -> [LinearSite: SVFBasis]) {
        self.language = language
        self.embedder = embedder
        self.fingerprint = fingerprint
        self.threads = threads
        self.blasCore = blasCore
        self.loadBases = loadBases
    }

    /// Models with bases already in hand.
    public convenience init(language: LanguageModel, embedder: Embedder, bases: [LinearSite: SVFBasis], fingerprint: String, threads: Int,
                            blasCore: String = BLASKernels.coreName) {
        self.init(language: language, embedder: embedder, fingerprint: fingerprint, threads: threads, blasCore: blasCore) { bases }
    }

    /// The SVD bases of the sites SVF adapts, loaded (or computed and cached) at the first call.
    public func bases() throws -> [LinearSite: SVFBasis] {
        try loadedBases.withLock { loaded in
            if let loaded { return loaded }
            let bases = try loadBases()
            loaded = bases
            return bases
        }
    }

    /// Whether the bases have been loaded (what `gesal-bench engine` and tests check).
    public var basesLoaded: Bool { loadedBases.withLock { $0 != nil } }

    /// Whether a store made as `created` can run on these models. Another model or embedder is
    /// refused; another thread count or kernel set is allowed, and returned as warnings,
    /// because re-executed steps may then differ in the last bits.
    public func check(_ created: StoreCreated) throws(EngineError) -> [String] {
        guard created.modelFingerprint == fingerprint else {
            throw EngineError(.mismatch, "this store was made with model \(created.model) (fingerprint \(created.modelFingerprint.prefix(12))…), "
                + "not \(language.path) (\(fingerprint.prefix(12))…); pass that model with --model")
        }
        guard created.embedder == embedder.name else {
            throw EngineError(.mismatch, "this store routes with the '\(created.embedder)' embedder, not '\(embedder.name)'")
        }
        let storage = language.model.storage
        guard created.weightStorage == storage else {
            throw EngineError(.mismatch, "this store answers with the model's weights held as \(created.weightStorage.rawValue), not \(storage.rawValue) "
                + "as loaded here (its searches re-run answers, which differ between the two); load them with --weights \(created.weightStorage.rawValue)")
        }
        var warnings: [String] = []
        if created.threads != threads {
            warnings.append("the store was made with \(created.threads) BLAS threads, this run uses \(threads): re-executed steps may differ in the last bits")
        }
        if created.blasCore != blasCore {
            warnings.append("the store was made with OpenBLAS kernels \(created.blasCore), this machine uses \(blasCore): re-executed steps may differ in the last bits")
        }
        // Only a recorded kernel this CPU cannot run (rows-fma without FMA) reads as another name.
        let products = try Self.learningProducts(created)
        if let recorded = created.learningKernel, let runs = products.recordedName, runs != recorded {
            warnings.append("the store learns with kernel \(recorded) (\(TrainingProducts.recordedNames[recorded] ?? recorded)), "
                + "this CPU runs \(runs): re-executed steps may differ in the last bits")
        }
        return warnings
    }

    /// What `created`'s node learning steps run their products on, on this CPU (its record, or
    /// the nearest this CPU has); refused when this build does not know the record's name.
    public static func learningProducts(_ created: StoreCreated) throws(EngineError) -> TrainingProducts {
        guard let products = TrainingProducts(recordedName: created.learningKernel) else {
            throw EngineError(.mismatch, "this store learns with kernel '\(created.learningKernel ?? "")', which this build does not know "
                + "(it knows \(TrainingProducts.recordedNames.keys.sorted().joined(separator: ", ")) and OpenBLAS); use the build that made it")
        }
        return products
    }

    /// The chat model with an adapter blob (`AdapterCodec`) merged into its weights.
    public func adapted(_ blob: [UInt8]) throws -> LanguageModel {
        language.adapted(try AdapterCodec.decodeAdapters(blob), bases: try bases())
    }

    /// The sites SVF adapts for `targets` ("gate", "up", ...), every layer, in order.
    public static func sites(_ targets: [String], layers: Int) throws(EngineError) -> [LinearSite] {
        let kinds = try targets.map { name throws(EngineError) -> LinearKind in
            guard let kind = LinearKind(rawValue: name) else {
                throw EngineError(.invalidRequest, "unknown target matrix '\(name)' (choose from \(LinearKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return kind
        }
        return (0..<layers).flatMap { layer in kinds.sorted().map { LinearSite(layer: layer, kind: $0) } }
    }

    /// Loads the chat model from `modelPath`, its matrices held as `storage` says, and the
    /// embedder (`"minilm"` from `miniLMFolder`, or `"hidden-mean"`); the SVD bases for `svfTargets` (from `svdCache`, computed once) load at
    /// their first use, reporting (what, done, total) to `progress`.
    public static func load(modelPath: String, embedder: String, miniLMFolder: String, svdCache: String, svfTargets: [String],
                            threads: Int, storage: WeightStorage = .float32,
                            progress: @escaping @Sendable (String, Int, Int) -> Void = { _, _, _ in }) throws -> EngineModels {
        BLAS.setThreads(threads)
        let language = try LanguageModel.load(modelPath, storage: storage)
        let embedding: Embedder
        switch embedder {
        case "minilm": embedding = .miniLM(try BertModel(folder: miniLMFolder))
        case "hidden-mean": embedding = .hiddenMean(language)
        default: throw EngineError(.invalidRequest, "unknown embedder '\(embedder)' (choose minilm or hidden-mean)")
        }
        let sites = try sites(svfTargets, layers: language.model.config.layers)
        return EngineModels(language: language, embedder: embedding, fingerprint: try fileFingerprint(modelPath), threads: threads) {
            try SVFBasisCache(folder: svdCache).bases(for: language.model, sites: sites) { progress("SVD bases", $0, $1) }
        }
    }

    /// SHA-256 of a model file, or of a folder's safetensors and config files in name order.
    static func fileFingerprint(_ path: String) throws -> String {
        var isFolder: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
        func digest(_ path: String) throws -> Hash256 {
            let file = try MappedFile(path: path)
            return withExtendedLifetime(file) { Hash256.of(file.bytes) }
        }
        guard isFolder.boolValue else { return try digest(path).hex }
        let names = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".safetensors") || $0.hasSuffix(".json") }.sorted()
        var digests: [UInt8] = []
        for name in names { try digest(path + "/" + name).append(to: &digests) }
        return Hash256.of(digests).hex
    }
}
