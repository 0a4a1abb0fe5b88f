import Adaptation
import Engine
import EventLog
import Foundation
import GESAL
import Models
import Testing

/// The real SmolLM2-135M and MiniLM, loaded once per test process for every suite that needs
/// them. A missing model (no `./scripts/setup.sh` yet) disables those suites with a reason,
/// instead of stopping the whole process: the suites that need no model still run.
public enum RealModels {
    /// The package's root folder, where `./scripts/setup.sh` puts the models.
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    private static let loaded = LoadedOnce("the real models") {
        try EngineModels.load(modelPath: languagePath, embedder: "minilm", miniLMFolder: miniLMFolder,
                              svdCache: root + "/" + SVFBasisCache.defaultFolder, svfTargets: EngineConfig().svfTargets, threads: 2)
    }

    /// Whether the models loaded; use as `.enabled(if: RealModels.available, RealModels.missing)`.
    public static var available: Bool { loaded.available }

    /// Why they did not, for the test report.
    public static var missing: Comment { loaded.missing }

    /// The models; throws the load error when they are missing.
    public static func models() throws -> EngineModels { try loaded.get() }

    public static let languagePath = root + "/" + LanguageModel.defaultModelPath
    public static let miniLMFolder = root + "/" + BertModel.defaultFolder

    /// SmolLM2 alone, for the suites below the engine (Models, Adaptation): its own copy, as
    /// they load it themselves (`LanguageModel.load`).
    public static let language = LoadedOnce("the real SmolLM2-135M") { try LanguageModel.load(languagePath) }

    /// SmolLM2 with its matrices kept in the file's quantised blocks (`WeightStorage.blocks`).
    public static let languageBlocks = LoadedOnce("the real SmolLM2-135M, quantised blocks") { try LanguageModel.load(languagePath, storage: .blocks) }

    /// all-MiniLM-L6-v2 alone.
    public static let miniLM = LoadedOnce("the real all-MiniLM-L6-v2") { try BertModel(folder: miniLMFolder) }

    /// An engine on a fresh or existing store at `path`.
    public static func engine(at path: String, config: EngineConfig, seed: UInt64 = 5, branch: String = "main") throws -> Engine {
        let writer = LogStore.exists(at: path) ? try LogWriter(at: path) : try LogWriter.create(at: path)
        return try Engine(writer: writer, branch: branch, models: models(), config: config, seed: seed)
    }
}
