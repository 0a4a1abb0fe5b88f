import Foundation
@testable import Models
import TestSupport

/// Paths and golden values shared by the model tests.
enum Fixtures {
    static func json(_ name: String) throws -> Any {
        let url = Bundle.module.url(forResource: "Fixtures/" + name, withExtension: "json")!
        return try JSONSerialization.jsonObject(with: Data(contentsOf: url))
    }

    /// The real SmolLM2, loaded once for all tests that need it; only suites enabled with
    /// `.enabled(if: RealModels.language.available, RealModels.language.missing)` use it.
    static var smol: LanguageModel { try! RealModels.language.get() }
}
