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

    private static let loaded: Result<EngineModels, any Error> = Result {
        try EngineModels.load(modelPath: root + "/" + LanguageModel.defaultModelPath, embedder: "minilm",
                              miniLMFolder: root + "/" + BertModel.defaultFolder, svdCache: root + "/" + SVFBasisCache.defaultFolder,
                              svfTargets: EngineConfig().svfTargets, threads: 2)
    }

    /// Whether the models loaded; use as `.enabled(if: RealModels.available, RealModels.missing)`.
    public static var available: Bool { (try? loaded.get()) != nil }

    /// Why they did not, for the test report.
    public static var missing: Comment {
        switch loaded {
        case .success: "the real models are loaded"
        case .failure(let error): "the real models are needed (run ./scripts/setup.sh): \(error)"
        }
    }

    /// The models; throws the load error when they are missing.
    public static func models() throws -> EngineModels { try loaded.get() }

    /// An engine on a fresh or existing store at `path`.
    public static func engine(at path: String, config: EngineConfig, seed: UInt64 = 5, branch: String = "main") throws -> Engine {
        let writer = LogStore.exists(at: path) ? try LogWriter(at: path) : try LogWriter.create(at: path)
        return try Engine(writer: writer, branch: branch, models: models(), config: config, seed: seed)
    }
}
