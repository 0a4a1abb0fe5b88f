#!/usr/bin/env bash
# A guided tour of the event log, then the engine learning from
# feedback on SmolLM2 with every step in the log (replayed, re-executed, audited, rolled back,
# queried), then the log's benchmark against SQLite. The main job is ./scripts/demo.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
. scripts/env.sh
echo "== building (release)"
for product in gesal gesal-log gesal-bench; do swift build -c release --product "$product" 2>&1 | tail -n 1; done
bin=$(swift build -c release --show-bin-path)
store=.cache/demo-store
engine=.cache/demo-engine
rm -rf "$store" "$store-damaged" "$engine" .cache/demo-events.jsonl

step() { printf '\n== %s\n$ %s\n' "$1" "$2"; eval "$2"; }

for i in $(seq 1 40); do
  printf '{"kind":"event","type":"Note","payload":"{\\"prompt\\":\\"How many r in strawberry? (%d)\\",\\"response\\":\\"There are %d.\\"}"}\n' "$i" $((i % 4))
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
q="What is 12 + 7? Answer with a number."
step "the engine: ask (a new node, the base model answers)" "$bin/gesal ask --store $engine \"$q\""
step "a wrong answer: feedback -2, and the node learns at once" "$bin/gesal feedback --store $engine 1 -"
step "the same question: the node's adapter answers, avoiding the rejected answer" "$bin/gesal ask --store $engine \"$q\""
step "an unrelated question starts its own node" "$bin/gesal ask --store $engine \"What is the capital of France?\""
step "audit: the events that made node 1 what it is" "$bin/gesal-log audit node 1 --store $engine"
step "snapshot, then replay: the same state hash as the live store" "$bin/gesal-log snapshot --store $engine && $bin/gesal-log replay --store $engine"
step "re-execute every learning step with the model, bit for bit" "$bin/gesal-log replay --reexecute --no-snapshots --store $engine | tail -n 2"
step "roll back the feedback (event 4): a branch where it never happened" "$bin/gesal-log rollback --exclude 4 --into clean --store $engine"
step "what that changed" "$bin/gesal-log diff main clean --store $engine"
step "the SQLite read model, for queries" "$bin/gesal-log reindex --store $engine && sqlite3 -header -column $engine/readmodel.sqlite 'SELECT id, prompts, adapter_version, rejected_responses FROM nodes'"
step "benchmark the log against fdatasync and SQLite (about a minute)" "$bin/gesal-bench log"
