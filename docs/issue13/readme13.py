#!/usr/bin/env python3
"""README table for issue 13: per (workload, CPUs, design), each figure across the five configurations.
Usage: readme13.py BASE, where BASE/00-old, 0-before (the RFC's sizes), 1-chunked, 2-batched and 3-work each hold
run-matrix.sh's JSON for that configuration's flags (README.md, "Before and after")."""
import sys, os
sys.path.insert(0, os.path.dirname(__file__))
from summ13 import rows
base = sys.argv[1]
cfgs = ['00-old', '0-before', '1-chunked', '2-batched', '3-work']
data = {c: {(r['w'], r['c'], r['d']): r for r in rows(os.path.join(base, c))} for c in cfgs}
keys = list(data['3-work'].keys())
def seq(k, f, fmt):
    return ' → '.join(fmt.format(data[c][k][f]) if k in data[c] else '?' for c in cfgs)
print("| workload | CPUs | design | zone->lock acquisitions per 1k pages | zone->lock hold ns per page | zone->lock wait ns per page | pcp->lock trylock failures % | what they collided with (after 3) | Mops/s |")
print("|---|---|---|---|---|---|---|---|---|")
for k in keys:
    w, c, d = k
    print(f"| {w} | {c} | {d} | {seq(k,'acq','{:.2f}')} | {seq(k,'hold','{:.0f}')} | {seq(k,'wait','{:.0f}')} | {seq(k,'tf','{:.1f}')} | {data['3-work'][k]['top'] if k in data['3-work'] else '?'} | {seq(k,'mops','{:.2f}')} |")
