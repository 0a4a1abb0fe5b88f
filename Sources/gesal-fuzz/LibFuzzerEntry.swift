#if FUZZING
import CFuzzing
import FuzzTargets
import Glibc

// Built only by scripts/fuzz.sh (`-sanitize=fuzzer` with `-DFUZZING`). SwiftPM links `main` to
// `gesal_fuzz_main`; here that hands over to libFuzzer's driver, which calls `fuzzOne` for each
// input. The target is named by GESAL_FUZZ_TARGET, one target per process.

nonisolated(unsafe) private var target = FuzzTarget.gguf

@_cdecl("gesal_fuzz_main")
func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    let name = getenv("GESAL_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let chosen = FuzzTarget(rawValue: name) else {
        print("gesal-fuzz: set GESAL_FUZZ_TARGET to one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")) (got '\(name)')")
        return 2
    }
    target = chosen
    var count = argc
    var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in
        _ = target.run(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
        return 0
    }
}
#endif
