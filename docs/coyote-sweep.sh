#!/usr/bin/env bash
# usage: docs/coyote-sweep.sh [OUTDIR [ITERATIONS [BUILD_ROOT]]]
# Every Coyote scenario on every design it runs on (as `pcptestbed list` names them), ITERATIONS iterations (default
# 2,000) from seed 1: `explore --scenario S --design D --iterations N --seed 1`. Prints one line a pair (exit code, bug or
# clean, iterations, seconds); the canary scenarios must report a bug, every other pair must be clean. BUILD_ROOT (default:
# this checkout) must be built in Release.
set -u
OUT=${1:-/tmp/pcptestbed-coyote-sweep}; N=${2:-2000}
R=${3:-$(cd "$(dirname "$0")/.." && pwd)}
P=$R/stress/PcpTestbed.Stress/bin/Release/net10.0/pcptestbed
mkdir -p "$OUT"
COLUMNS=400 "$P" list 2>&1 | grep -E "^  [a-z0-9-]+ +(mainline|pageblock)" | awk '{n=$1; $1=""; print n"|"$0}' | sed -E 's/ +[0-9]+ +[0-9]+M.*//' > "$OUT/pairs.txt"
echo "start $(date -u +%FT%TZ) load $(cut -d' ' -f1 /proc/loadavg) $(git -C "$R" rev-parse --short HEAD 2>/dev/null || basename "$R") iterations $N"
while IFS='|' read -r s ds; do
  for d in $(echo $ds | tr ',' ' '); do
    "$P" explore --scenario "$s" --design "$d" --iterations "$N" --seed 1 --quiet --json "$OUT/$s.$d.json" --trace-out "$OUT/$s.$d.trace.json" > "$OUT/$s.$d.out" 2>&1; rc=$?
    python3 -c "import json,sys;d=json.load(open(sys.argv[1]));print(sys.argv[2],sys.argv[3],'rc='+sys.argv[4],'bug' if d.get('bugFound') else 'clean','it=%s'%d.get('iterations'),'%.1fs'%d.get('elapsedSeconds',0))" "$OUT/$s.$d.json" "$s" "$d" "$rc" 2>/dev/null || echo "$s $d rc=$rc NOJSON"
  done
done < "$OUT/pairs.txt"
echo "end $(date -u +%FT%TZ) load $(cut -d' ' -f1 /proc/loadavg)"
