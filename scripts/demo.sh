#!/usr/bin/env bash
# GESAL's main job: the letter-counting demo on SmolLM2-135M (`gesal demo`, docs/evaluation.md).
# Installs what is missing, builds, then runs the demo; arguments go to `gesal demo`
# (./scripts/demo.sh --quick for the seven-minute version). Results: demo.json and demo.svg,
# the store in .gesal-demo/ for gesal-log to explore.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
. scripts/env.sh
echo "== building (release)"
for product in gesal gesal-log; do swift build -c release --product "$product" 2>&1 | tail -n 1; done
bin=$(swift build -c release --show-bin-path)
"$bin/gesal" demo "$@"
