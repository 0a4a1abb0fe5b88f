#!/usr/bin/env bash
# The worked example of docs/bisect.md: a store taught letter counting by a checker, with one
# poisoned feedback hidden in the middle (-2 on a right answer to "How many days are in a
# week?"); then `gesal-log bisect` finds it, `--exclude` removes it, and `gesal-log curve`
# draws both branches. Usage: ./scripts/bisect-example.sh [STORE] (default .gesal-bisect,
# replaced). Needs the release build (./scripts/demo.sh builds it) and the models.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
bin=$(swift build -c release --show-bin-path)
store=${1:-.gesal-bisect}
rm -rf "$store"
gesal() { "$bin/gesal" "$@" --store "$store"; }
log() { "$bin/gesal-log" "$@" --store "$store"; }

# The first number of an answer, in digits or as a word (the strict checker's reading).
first_number() {
  grep -oiE '[0-9]+|\b(zero|none|no|once|one|twice|two|three|four|five|six|seven|eight|nine|ten)\b' | head -n 1 | tr 'A-Z' 'a-z' |
    sed -e 's/^zero$/0/;s/^none$/0/;s/^no$/0/;s/^once$/1/;s/^one$/1/;s/^twice$/2/;s/^two$/2/;s/^three$/3/;s/^four$/4/' \
        -e 's/^five$/5/;s/^six$/6/;s/^seven$/7/;s/^eight$/8/;s/^nine$/9/;s/^ten$/10/'
}

gesal init --max-tokens 16 --similarity-threshold 0.8 >/dev/null 2>&1
week="How many days are in a week?"
gesal ask "$week" 2>/dev/null
interaction=1
# Sixteen letter-counting items from the shipped word list (fixed lines, letters chosen so the
# answers spread over 0 to 3).
words=$(sed -n '1000~7919p' .cache/models/reasoning_gym/data/words3to10.txt | head -n 16)
letters=(a e r s t o n i a e l s r t o n)
i=0
for word in $words; do
  letter=${letters[$i]}
  truth=$(printf '%s' "$word" | tr -cd "$letter" | wc -c)
  answer=$(gesal ask "How many times does the letter $letter appear in the word $word?" 2>/dev/null)
  interaction=$((interaction + 1))
  if [ "$(printf '%s' "$answer" | first_number)" = "$truth" ]; then reward=+; else reward=-; fi
  gesal feedback "$interaction" "$reward" >/dev/null 2>&1
  if [ "$i" = 7 ]; then gesal feedback 1 - >/dev/null 2>&1; echo "(the poison: feedback - on interaction 1, after item $((i + 1)))"; fi
  i=$((i + 1))
done
echo "== the store"
log replay | grep -E '^(sequence|updates|interactions)='
echo "== bisect"
# Event 3 is the first answer (StoreCreated, NodeCreated, InteractionRecorded): it was right.
log bisect --good 3 --item "$week" --expect 7 --exclude --into without-poison
echo "== curve"
log curve --control --every 2 --also without-poison --json "$store/curve.json" --svg "$store/curve.svg"
