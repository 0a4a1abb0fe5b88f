import Foundation
@testable import EventLog
import SystemIO

/// A fresh folder under /tmp, removed when the value is dropped.
final class TemporaryDirectory {
    let path: String

    init() {
        path = try! FileSystem().makeTemporaryDirectory(prefix: "gesal-test")
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    func sub(_ name: String) -> String { path + "/" + name }
}

/// The bytes of a file.
func fileBytes(_ path: String) -> [UInt8] {
    Array(FileManager.default.contents(atPath: path) ?? Data())
}

func writeFile(_ path: String, _ bytes: [UInt8]) {
    FileManager.default.createFile(atPath: path, contents: Data(bytes))
}

/// The single segment of line 1 of a store.
func firstSegment(_ store: String) -> String {
    store + "/lines/000001/" + SegmentFormat.fileName(firstSequence: 1)
}

/// Copies a folder tree (for running one damaged copy per case).
func copyTree(_ from: String, _ to: String) {
    try? FileManager.default.removeItem(atPath: to)
    try! FileManager.default.copyItem(atPath: from, toPath: to)
}

/// Whether a segment file ends exactly after its last whole record (no padding, no garbage).
func endsAtLastRecord(_ path: String) -> Bool {
    let bytes = fileBytes(path)
    guard case .success(let scan) = bytes.withUnsafeBytes({ SegmentScan.scan($0, hashes: false) }) else { return false }
    return scan.tail == .clean && scan.validEnd == bytes.count
}
