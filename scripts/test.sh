#!/usr/bin/env bash
# The whole test suite, on a fresh machine too: installs what is missing, then builds and runs
# every test (unit, recovery, fault injection, crash, end-to-end CLI tests, and OpenAI's Python
# client against a running `gesal serve`).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
. scripts/env.sh
# OpenAI's own Python client drives `gesal serve` in ServeCLITests (tests only, never the product).
if ! python3 -c "import openai" 2>/dev/null; then
  echo "installing the openai Python package (for the server's client tests)"
  python3 -m pip install --quiet --disable-pip-version-check "openai>=1.40,<3"
fi
export GESAL_REQUIRE_OPENAI=1
swift build --build-tests
swift test --skip-build
