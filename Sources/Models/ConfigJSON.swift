import Foundation

/// A Hugging Face `config.json`: its values, and typed reads that name the file when a key is
/// missing.
struct ConfigJSON {
    let path: String
    let values: [String: Any]

    init(path: String) throws(ModelError) {
        guard let data = FileManager.default.contents(atPath: path),
              let values = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ModelError(.io, "cannot read config.json", path: path)
        }
        self.path = path
        self.values = values
    }

    func int(_ key: String) throws(ModelError) -> Int {
        guard let value = values[key] as? Int else { throw ModelError(.missingMetadata, "config.json lacks \(key)", path: path) }
        return value
    }

    subscript(key: String) -> Any? { values[key] }
}
