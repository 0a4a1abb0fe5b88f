#!/usr/bin/env bash
# Fuzzes one of GESAL's parsers with libFuzzer and AddressSanitizer.
#
#   scripts/fuzz.sh TARGET [SECONDS] [libFuzzer flags...]
#   scripts/fuzz.sh all [SECONDS]          every target in turn, SECONDS each
#   scripts/fuzz.sh gguf,segment [SECONDS]  the targets listed, in turn (one build for all)
#
# Targets: gguf safetensors tokenizer-json wordpiece segment domain-events binary-payload snapshot adapter-blob
# server-request
# (Sources/FuzzTargets). Builds gesal-fuzz with -sanitize=fuzzer,address in .build-fuzz/ (the
# first build takes a few minutes), then runs it from the committed seeds in
# Tests/FuzzCorpusTests/Corpora/TARGET, growing a working corpus in .fuzz/TARGET/corpus.
# Crashes, hangs (-timeout, default 10 s) and out-of-memory inputs (-rss_limit_mb, default 2048)
# land in .fuzz/TARGET/ as crash-*, timeout-* and oom-*; reproduce one with
#   swift run gesal-fuzz run TARGET .fuzz/TARGET/crash-…
# and, once fixed, commit it to the corpus as crash-<what it was> so the tests replay it.
# Extra flags go to libFuzzer, e.g. `scripts/fuzz.sh all 3600 -runs=10000000` stops each target
# at 10 million executions or one hour, whichever comes first.
# One line per target is the summary: target=… runs=… seconds=… corpus=… exit=… findings=…
# (seconds as elapsed, corpus as files in the working corpus; the script exits 1 on a finding).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
. scripts/env.sh

targets="gguf safetensors tokenizer-json wordpiece segment domain-events binary-payload snapshot adapter-blob server-request"
target="${1:-}"
seconds="${2:-600}"
chosen=$( [ "$target" = all ] && echo $targets || tr , ' ' <<<"$target" )
for t in $chosen; do
  if ! grep -qw -- "$t" <<<"$targets"; then chosen=""; fi
done
if [ -z "$chosen" ]; then
  echo "usage: scripts/fuzz.sh TARGET[,TARGET...]|all [SECONDS] [libFuzzer flags...]" >&2
  echo "targets: $targets" >&2
  exit 2
fi
shift $(( $# >= 2 ? 2 : $# ))

# lld: gold fails with an internal error on the sanitizer-instrumented objects.
swift build -c release --scratch-path .build-fuzz --product gesal-fuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -use-ld=lld \
  -Xcc -fsanitize=fuzzer-no-link,address 2>&1 | grep -E "error|Compiling|Build" | grep -v "^\[.*Compiling" || true
built=.build-fuzz/release/gesal-fuzz
[ -x "$built" ] || { echo "fuzz.sh: the fuzzing build failed" >&2; exit 1; }
# Run a copy, so .build-fuzz can be rebuilt (a new target, a fix) while a long run goes on.
mkdir -p .fuzz/bin
binary=".fuzz/bin/gesal-fuzz.$$"
cp "$built" "$binary"
trap 'rm -f "$binary"' EXIT

status=0
for t in $chosen; do
  work=".fuzz/$t"
  mkdir -p "$work/corpus"
  log="$work/fuzz.log"
  echo "fuzzing $t for ${seconds}s (log: $log)"
  started=$(date +%s)
  set +e
  # No Swift backtracer: its helper thread trips AddressSanitizer and hides the real trap.
  SWIFT_BACKTRACE=enable=no GESAL_FUZZ_TARGET="$t" "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=131072 \
    -artifact_prefix="$work/" -print_final_stats=1 "$@" "$work/corpus" "Tests/FuzzCorpusTests/Corpora/$t" >"$log" 2>&1
  rc=$?
  set -e
  elapsed=$(( $(date +%s) - started ))
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  found=$(ls "$work" | grep -cE '^(crash|timeout|oom|leak)-' || true)
  corpus=$(ls "$work/corpus" | wc -l)
  echo "target=$t runs=${runs:-0} seconds=$elapsed corpus=$corpus exit=$rc findings=$found"
  if [ "$rc" -ne 0 ] || [ "$found" -ne 0 ]; then status=1; grep -E "ERROR|Fatal error|SUMMARY" "$log" | head -5; fi
done
exit $status
