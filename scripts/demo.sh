#!/usr/bin/env bash
# GESAL's main job at this stage: a tour of the event log every later feature records into.
# Creates a demo store, writes events, branches and resets it, reads a segment with the stock
# lz4 tool, shows corruption being caught, and measures the log against SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
. scripts/env.sh
echo "== building (release)"
for product in gesal-log gesal-bench; do swift build -c release --product "$product" 2>&1 | tail -n 1; done
bin=$(swift build -c release --show-bin-path)
store=.cache/demo-store
rm -rf "$store" "$store-damaged" .cache/demo-events.jsonl

step() { printf '\n== %s\n$ %s\n' "$1" "$2"; eval "$2"; }

for i in $(seq 1 40); do
  printf '{"kind":"event","type":"InteractionRecorded","payload":"{\\"prompt\\":\\"How many r in strawberry? (%d)\\",\\"response\\":\\"There are %d.\\"}"}\n' "$i" $((i % 4))
done > .cache/demo-events.jsonl

step "create a store (fsync before every acknowledged batch)" "$bin/gesal-log init --store $store"
step "import 40 events" "$bin/gesal-log import .cache/demo-events.jsonl --store $store"
step "list the first events" "$bin/gesal-log log --store $store --limit 3"
step "branch an experiment from event 20 (nothing is copied)" "$bin/gesal-log branch create experiment --from 20 --store $store"
step "roll main back to event 30, then undo it" "$bin/gesal-log reset --to 30 --store $store && $bin/gesal-log reset --undo --store $store"
step "the reflog remembers every move" "$bin/gesal-log reflog --store $store"
step "stock lz4 reads the payloads straight from a segment" "lz4 -dc $store/lines/000001/00000000000000000001.seg | head -c 160; echo"
step "verify every checksum and hash link" "$bin/gesal-log verify --store $store"
cp -r "$store" "$store-damaged"
seg="$store-damaged/lines/000001/00000000000000000001.seg"
printf '\xff' | dd of="$seg" bs=1 seek=300 conv=notrunc status=none
step "flip one byte: verify names the file and offset, and exits 1" "$bin/gesal-log verify --store $store-damaged || echo \"(exit status \$?)\""
step "stats" "$bin/gesal-log stats --store $store"
step "benchmark the log against fdatasync and SQLite (about a minute)" "$bin/gesal-bench log"
