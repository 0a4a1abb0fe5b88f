import COpenBLAS
import Glibc

/// Which OpenBLAS kernels run, and a way to make sure they are the fast ones.
///
/// OpenBLAS picks its kernels when the library loads, before `main`. Debian's 0.3.21 does not
/// recognise some current CPUs and falls back to "Prescott" (SSE3), 3 to 4 times slower here
/// (measured: prefill 216 -> 540 tokens/s with SkylakeX kernels on an AVX-512 machine).
/// `OPENBLAS_CORETYPE` overrides the choice, so executables set it from the CPU's flags and
/// start themselves again. scripts/test.sh does the same for the test process.
public enum BLASKernels {
    /// The kernel set in use.
    public static var coreName: String {
        String(cString: openblas_get_corename())
    }

    /// The kernel set the CPU's flags allow: SkylakeX with AVX-512, Haswell with AVX2 and FMA.
    public static func preferredCoreType() -> String? {
        guard let file = fopen("/proc/cpuinfo", "r") else { return nil }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0 {
            let text = String(cString: line!)
            guard text.hasPrefix("flags") else { continue }
            let flags = Set(text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init))
            if flags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl"]) { return "SkylakeX" }
            if flags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
            return nil
        }
        return nil
    }

    /// When `OPENBLAS_CORETYPE` is unset and the CPU allows faster kernels, sets it and
    /// replaces this process with a fresh start of itself (`execv`), same arguments. Returns
    /// normally otherwise, or if the restart fails.
    public static func restartWithPreferredKernels() {
        guard getenv("OPENBLAS_CORETYPE") == nil, let core = preferredCoreType() else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
    }
}
