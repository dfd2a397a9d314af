#!/usr/bin/env bash
# Instructions per call (callgrind): reqwest baseline, raw (generated) client, facade; see
# instructions.rs. reqwest -> raw is the generated code's cost, raw -> facade the facade's.
set -euo pipefail
cd "$(dirname "$0")/../../.."
bin=${BIN:-$(cargo bench -p synctera --bench instructions --no-run --message-format=json 2>/dev/null \
  | python3 -c 'import json,sys
for l in sys.stdin:
    m=json.loads(l)
    if m.get("reason")=="compiler-artifact" and m["target"]["name"]=="instructions" and m.get("executable"): print(m["executable"])')}
out=$(mktemp -d)
count() { # op via calls -> total instructions
  valgrind --tool=callgrind --callgrind-out-file="$out/cg" "$bin" "$1" "$2" "$3" >/dev/null 2>&1
  grep '^summary:' "$out/cg" | awk '{print $2}'
}
low=${LOW:-200}; high=${HIGH:-600}
for op in get get-full create; do
  vias="reqwest raw facade"
  # raw answers converted into facade types (no request pipeline), and the facade without its
  # attempt timer / deadline
  [ "$op" != create ] && vias="$vias converted facade-untimed"
  for via in $vias; do
    a=$(count "$op" "$via" "$low"); b=$(count "$op" "$via" "$high")
    per=$(( (b - a) / (high - low) ))
    echo "$op $via $per"
    eval "per_${op//-/_}_${via//-/_}=$per"
  done
done
for op in get get_full create; do
  r=per_${op}_reqwest; g=per_${op}_raw; f=per_${op}_facade
  echo "$op: reqwest ${!r}, raw ${!g}, facade ${!f} instr/call;" \
    "raw - reqwest = $(( ${!g} - ${!r} )), facade - raw = $(( ${!f} - ${!g} ))," \
    "facade - reqwest = $(( ${!f} - ${!r} ))"
done
for op in get get_full; do
  c=per_${op}_converted; u=per_${op}_facade_untimed; f=per_${op}_facade
  echo "$op: conversion and the facade's reqwest configuration cost $(( ${!c} - per_${op}_raw )) instr/call," \
    "the request pipeline $(( ${!f} - ${!c} )), of which the attempt timer and deadline $(( ${!f} - ${!u} ))"
done
rm -rf "$out"
