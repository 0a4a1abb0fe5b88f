#!/usr/bin/env bash
# The whole test suite, on a fresh machine too: installs what is missing, then builds and runs
# every test (unit, recovery, fault injection, crash, and end-to-end CLI tests).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
. scripts/env.sh
swift build --build-tests
swift test --skip-build
