import Foundation

/// One folder per process for the files the file-based parsers read: in /dev/shm when there is
/// one (libFuzzer runs millions of inputs; a disk would be the bottleneck), else the temporary
/// folder. Removed when the process ends normally; a run that stops on a finding ends with
/// `_Exit` and leaves its folder, so the next run removes those of processes that are gone.
public enum ScratchFolder {
    static let prefix = "gesal-fuzz-"

    static let path: String = {
        let base = FileManager.default.isWritableFile(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        removeFoldersOfEndedProcesses(in: base)
        let path = base + "/" + prefix + "\(getpid())"
        try? FileManager.default.removeItem(atPath: path)
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: ScratchFolder.path) }
        return path
    }()

    /// Removes the `gesal-fuzz-PID` folders in `base` whose process no longer exists.
    public static func removeFoldersOfEndedProcesses(in base: String) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [] where name.hasPrefix(prefix) {
            guard let pid = pid_t(name.dropFirst(prefix.count)), kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? FileManager.default.removeItem(atPath: base + "/" + name)
        }
    }

    /// Writes `bytes` to `name` in the folder and returns its path.
    static func file(_ name: String, _ bytes: [UInt8]) -> String {
        let file = path + "/" + name
        guard FileManager.default.createFile(atPath: file, contents: Data(bytes)) else {
            preconditionFailure("cannot write the scratch file \(file)")
        }
        return file
    }
}
