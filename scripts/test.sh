#!/usr/bin/env bash
# The whole test suite, on a fresh machine too: installs what is missing, then builds and runs
# every test (unit, recovery, fault injection, crash, end-to-end CLI tests, OpenAI's Python
# client against a running `gesal serve`, and Python readers of exported models).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
. scripts/env.sh
# Python oracles, for tests only (never the product): OpenAI's own client drives `gesal serve`
# (ServeCLITests); llama.cpp's gguf-py and the safetensors package read exported models (ExportCLITests).
if ! python3 -c "import openai, gguf, safetensors.numpy" 2>/dev/null; then
  echo "installing the openai, gguf and safetensors Python packages (test oracles)"
  python3 -m pip install --quiet --disable-pip-version-check "openai>=1.40,<3" "gguf>=0.10" "safetensors>=0.4"
fi
export GESAL_REQUIRE_PYTHON_ORACLES=1
# The PostgreSQL store's tests run against a throwaway cluster this script starts (installing
# the server if needed) and always stops, whatever the tests do.
eval "$(scripts/postgres.sh start)"
trap 'scripts/postgres.sh stop "$GESAL_TEST_POSTGRES_DIR"' EXIT
export GESAL_REQUIRE_POSTGRES=1
swift build --build-tests
swift test --skip-build
