#!/usr/bin/env bash
# The whole test suite, on a fresh machine too: installs what is missing, then builds and runs
# every test (unit, recovery, fault injection, crash, end-to-end CLI tests, and OpenAI's Python
# client against a running `gesal serve`, llama.cpp's gguf-py reading exported models).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
. scripts/env.sh
# Python oracles, for tests only (never the product): OpenAI's own client drives `gesal serve`
# (ServeCLITests), llama.cpp's gguf-py reads exported models (ExportCLITests).
if ! python3 -c "import openai, gguf" 2>/dev/null; then
  echo "installing the openai and gguf Python packages (test oracles)"
  python3 -m pip install --quiet --disable-pip-version-check "openai>=1.40,<3" "gguf>=0.10"
fi
export GESAL_REQUIRE_PYTHON_ORACLES=1
swift build --build-tests
swift test --skip-build
