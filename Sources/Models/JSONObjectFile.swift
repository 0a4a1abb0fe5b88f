import Foundation
import SystemIO

/// A JSON file whose top level is an object (`config.json`, `tokenizer.json`, a safetensors
/// index, a PEFT `adapter_config.json`): read through SystemIO, parsed, with typed reads that
/// name the file when a key is missing. The one place model and adapter readers read a JSON
/// file (FileManager's reader leaked a page on an empty file, found by fuzzing, and is no
/// syscall seam).
public struct JSONObjectFile {
    public let path: String
    /// The file as read, for callers that record what they read (a hash of it).
    public let bytes: [UInt8]
    public let values: [String: Any]

    public init(path: String) throws(ModelError) {
        let bytes: [UInt8]
        do { bytes = try FileSystem().read(path) } catch { throw ModelError(.io, "cannot be read: \(error)", path: path) }
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: Data(bytes)) } catch {
            throw ModelError(.invalid, "is not JSON (\(bytes.count) bytes): \(error.localizedDescription)", path: path)
        }
        guard let values = parsed as? [String: Any] else { throw ModelError(.invalid, "is not a JSON object", path: path) }
        self.path = path
        self.bytes = bytes
        self.values = values
    }

    func int(_ key: String) throws(ModelError) -> Int {
        guard let value = values[key] as? Int else { throw ModelError(.missingMetadata, "lacks \(key)", path: path) }
        return value
    }

    public subscript(key: String) -> Any? { values[key] }
}
