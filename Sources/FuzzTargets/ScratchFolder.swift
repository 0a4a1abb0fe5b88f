import Foundation

/// One folder per process for the files the file-based parsers read: in /dev/shm when there is
/// one (libFuzzer runs millions of inputs; a disk would be the bottleneck), else the temporary
/// folder. Removed when the process ends normally.
enum ScratchFolder {
    static let path: String = {
        let base = FileManager.default.isWritableFile(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let path = base + "/gesal-fuzz-\(getpid())"
        try? FileManager.default.removeItem(atPath: path)
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: ScratchFolder.path) }
        return path
    }()

    /// Writes `bytes` to `name` in the folder and returns its path.
    static func file(_ name: String, _ bytes: [UInt8]) -> String {
        let file = path + "/" + name
        guard FileManager.default.createFile(atPath: file, contents: Data(bytes)) else {
            preconditionFailure("cannot write the scratch file \(file)")
        }
        return file
    }
}
