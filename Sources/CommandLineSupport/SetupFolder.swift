import Foundation

/// Where `./scripts/setup.sh` put the models and caches (the `.cache/` of a checkout), so the
/// path defaults hold from any working directory. In order: `$GESAL_HOME`; the working
/// directory, when it has `.cache/models`; the checkout the running binary was built in
/// (found by walking up from the executable); else the working directory.
public enum SetupFolder {
    public static let root: String = {
        let environment = ProcessInfo.processInfo.environment
        if let home = environment["GESAL_HOME"], !home.isEmpty { return home }
        let marker = ".cache/models"
        if FileManager.default.fileExists(atPath: marker) { return "." }
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            var folder = URL(fileURLWithPath: executable).deletingLastPathComponent()
            while folder.path != "/" {
                if FileManager.default.fileExists(atPath: folder.appendingPathComponent(marker).path) { return folder.path }
                folder.deleteLastPathComponent()
            }
        }
        return "."
    }()

    /// `relative` (a path from the checkout's root, like `.cache/svd`) under the set-up folder.
    public static func path(_ relative: String) -> String {
        root == "." ? relative : root + "/" + relative
    }

    /// The store when `--store` is not given: `$GESAL_STORE`, else `.gesal` in the working
    /// directory (a store belongs to a project, the way `.git` does).
    public static let defaultStore = ProcessInfo.processInfo.environment["GESAL_STORE"].flatMap { $0.isEmpty ? nil : $0 } ?? ".gesal"
}
