#!/usr/bin/env bash
# usage: docs/issue15/row.sh BUG SEED [OUTDIR [BUILD_ROOT]]
# One new file of a ReproWorkflowTests row: `run --bug BUG` with the row's options and --seed SEED, then
# `explore --from-repro FILE` (its defaults: 120 s; 200 iterations a window size a round, rounds within the budget), then `replay TRACE`. Prints one line:
# the invariant and the file's operation count, FOUND/MISS with the window (k, the last k operations a CPU), the times, the
# load average before and after. Files are kept under OUTDIR/sSEED. BUILD_ROOT (default: this checkout) must be built in
# Release (dotnet build PcpTestbed.sln -c Release). Run seeds one at a time: the rates depend on the host's load.
# The options below are the test's rows (ReproWorkflowTests.Bugs and RunOnlyBugs; ReproRowScriptTests checks they agree),
# the defaults a row's options replace are RunUntilBroken's.
set -u
BUG=$1; SEED=$2; OUT=${3:-/tmp/pcptestbed-rows/$BUG}
R=${4:-$(cd "$(dirname "$0")/../.." && pwd)}
P=$R/stress/PcpTestbed.Stress/bin/Release/net10.0/pcptestbed
D=$OUT/s$SEED; rm -rf "$D"; mkdir -p "$D"
# row-options begin
HP="--faults cpu-hotplug,hold-delay --hotplug-interval-ms 1 --irq-delay-ns 2000000 --irq-percent 100 --remote-free-percent 50 --zone-size 128M --work-scale 4"
DEFAULTS="--seconds 60 --zone-size 16M --audit-interval 0.05 --work-scale 0"
case $BUG in
  ignore-pcp-trylock) O="--design mainline --workload mixed --cpus 2 --faults drain-storm --drain-storm-percent 20";;
  drain-without-pcp-lock) O="--design mainline --workload mixed --cpus 2 --faults drain-storm --drain-storm-percent 20";;
  unclamped-bulk-free) O="--design mainline --workload mixed --cpus 2 --zone-size 64M";;
  remote-count-outside-lock) O="--design pageblock --workload mixed --cpus 2 --audit-interval 10 --flight-recorder-entries 65536";;
  cma-phases-as-posted) O="--design pageblock-cmafix --workload cma --cpus 2 --zone-size 64M --faults drain-storm --debug-vm --audit-interval 10 --flight-recorder-entries 65536";;
  missing-owner-recheck) O="--design pageblock --workload mixed --cpus 4 $HP --irq-site lock:free_unref_page:remote";;
  release-after-drain) O="--design pageblock --workload mixed --cpus 4 $HP --irq-site lock:page_alloc_cpu_dead,lock:free_unref_page:remote";;
  remote-push-state-before-tag) O="--design pageblock-lockfree --workload mixed --cpus 2 --remote-free-percent 50 --faults hold-delay --irq-delay-ns 500000 --irq-percent 100 --irq-site remote_free_push:read_head --flight-recorder-entries 65536";;
  remote-list-take-not-atomic) O="--design pageblock-lockfree --workload mixed --cpus 2 --remote-free-percent 50 --faults hold-delay --irq-delay-ns 500000 --irq-percent 100 --irq-site remote_free_take:xchg_head --flight-recorder-entries 65536";;
  free-to-foreign-pcp) O="--design mainline --workload mixed --cpus 2 --faults drain-storm --drain-storm-percent 20 --audit-interval 0.002";;
  owner-tag-cleared-before-unlink) O="--design pageblock --workload mixed --cpus 2 --faults cpu-hotplug --hotplug-interval-ms 1 --work-scale 1";;
  remote-list-not-closed) O="--design pageblock-lockfree --workload mixed --cpus 4 $HP --irq-site remote_free_push:publish_state";;
  highatomic-cap-not-rechecked) O="--design mainline --workload udp --cpus 4 --highatomic pre-2026-03 --zone-size 256M --debug-vm --faults hold-delay --irq-delay-ns 2000000 --irq-percent 100 --irq-site lock:highatomic_pageblock";;
  absorb-without-owner-check) O="--design pageblock-lockfree --workload mixed --cpus 4 $HP --irq-site remote_free_push:publish_state";;
  *) echo "row.sh: unknown bug '$BUG' (expected a row of ReproWorkflowTests)" >&2; exit 2;;
esac
# row-options end
DEF=""
set -- $DEFAULTS
while [ $# -gt 0 ]; do case " $O " in *" $1 "*) ;; *) DEF="$DEF $1 $2";; esac; shift 2; done

secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
l0=$(cut -d' ' -f1 /proc/loadavg); t0=$(date +%s.%N)
timeout 600 "$P" run --bug "$BUG" $O $DEF --seed "$SEED" --lockdep --no-lock-stat --repro-dir "$D" --json "$D/run.json" --quiet > "$D/run.out" 2>&1; rrc=$?
t1=$(date +%s.%N)
F=$(ls "$D"/*.gz 2>/dev/null | head -1)
if [ -z "$F" ]; then echo "$BUG seed=$SEED run_rc=$rrc NO_FILE run_s=$(secs "$t0" "$t1") load=$l0"; exit 0; fi
inv=$(python3 -c "import gzip,json,sys;d=json.load(gzip.open(sys.argv[1]));print(d['invariant'], sum(len(o) for o in d.get('operations',[])))" "$F" 2>/dev/null)
timeout 900 "$P" explore --from-repro "$F" --trace-out "$D/t.trace.json" --json "$D/explore.json" > "$D/explore.out" 2>&1; erc=$?
t2=$(date +%s.%N)
found=$(python3 -c "import json,sys;d=json.load(open(sys.argv[1]));print('FOUND' if d.get('found') else 'MISS', 'k=%s'%d.get('window'))" "$D/explore.json" 2>/dev/null || echo NOJSON)
rep=-
if [ -f "$D/t.trace.json" ]; then "$P" replay "$D/t.trace.json" > "$D/replay.out" 2>&1; rep=$?; fi
echo "$BUG seed=$SEED inv/ops=[$inv] run_rc=$rrc run_s=$(secs "$t0" "$t1") $found explore_rc=$erc explore_s=$(secs "$t1" "$t2") replay_rc=$rep load=$l0-$(cut -d' ' -f1 /proc/loadavg) $(date +%H:%M) $(git -C "$R" rev-parse --short HEAD 2>/dev/null || basename "$R")"
