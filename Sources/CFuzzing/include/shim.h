// libFuzzer's driver, for gesal-fuzz's fuzzing build (scripts/fuzz.sh). SwiftPM links an
// executable with `main` aliased to its module's entry function, so libFuzzer's own `main` is
// never pulled in; gesal-fuzz defines that entry function and hands control to this driver.
// See https://llvm.org/docs/LibFuzzer.html ("Using LibFuzzerRunDriver"). Only referenced when
// built with -DFUZZING, so ordinary builds need no libFuzzer.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
