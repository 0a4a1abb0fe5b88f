// Declarations only (include/shim.h): the driver itself is in libFuzzer's runtime, linked by
// -sanitize=fuzzer.
#include "shim.h"
