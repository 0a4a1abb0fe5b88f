import Foundation
import SystemIO

/// A JSON file whose top level is an object (`config.json`, `tokenizer.json`, a safetensors
/// index): read through SystemIO, parsed, with typed reads that name the file when a key is
/// missing. The one place the model readers read a JSON file (FileManager's reader leaked a
/// page on an empty file, found by fuzzing, and is no syscall seam).
struct JSONObjectFile {
    let path: String
    let values: [String: Any]

    init(path: String) throws(ModelError) {
        let bytes: [UInt8]
        do { bytes = try FileSystem().read(path) } catch { throw ModelError(.io, "\(error)", path: path) }
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: Data(bytes)) } catch {
            throw ModelError(.invalid, "not JSON (\(bytes.count) bytes): \(error.localizedDescription)", path: path)
        }
        guard let values = parsed as? [String: Any] else { throw ModelError(.invalid, "the top level is not a JSON object", path: path) }
        self.path = path
        self.values = values
    }

    func int(_ key: String) throws(ModelError) -> Int {
        guard let value = values[key] as? Int else { throw ModelError(.missingMetadata, "lacks \(key)", path: path) }
        return value
    }

    subscript(key: String) -> Any? { values[key] }
}
