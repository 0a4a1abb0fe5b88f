import Foundation
@testable import Models

/// Paths and golden values shared by the model tests.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let smolLM2 = root + "/" + LanguageModel.defaultModelPath
    static let miniLM = root + "/" + BertModel.defaultFolder

    static func json(_ name: String) throws -> Any {
        let url = Bundle.module.url(forResource: "Fixtures/" + name, withExtension: "json")!
        return try JSONSerialization.jsonObject(with: Data(contentsOf: url))
    }

    /// The real SmolLM2, loaded once for all tests that need it.
    static let smol: LanguageModel = {
        do {
            return try LanguageModel.load(gguf: smolLM2)
        } catch {
            fatalError("the real model is needed (run ./scripts/setup.sh): \(error)")
        }
    }()
}
