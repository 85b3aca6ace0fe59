#!/usr/bin/env bash
# usage: docs/issue13/run-matrix.sh OUTDIR [extra args...]   runs compare on purge, exit, page-fault, mixed at 1 and 2 pinned CPUs and 8 CPUs
set -u
out=$(realpath -m "$1"); shift
mkdir -p "$out"
cd "$(dirname "$0")/../.."   # the repository root, built with: dotnet build PcpTestbed.sln -c Release
for w in purge exit page-fault mixed; do
  for c in 1p 2p 8; do
    n=${c%p}; pin=""; [ "$c" != "$n" ] && pin="--pin"
    dotnet run --project stress/PcpTestbed.Stress -c Release --no-build -- compare --designs mainline,pageblock,pageblock-lockfree \
      --workload $w --cpus $n $pin --seconds 3 --quiet --json "$out/$w-$c.json" "$@" > "$out/$w-$c.txt" 2>&1
    echo "$w $c rc=$?"
  done
done
