#!/usr/bin/env python3
"""Validation of the virtual engine against OS threads: 1 and 2 pinned CPUs, each design, page-fault, purge, exit,
--work-scale 1 (the default). Threads: REPEATS runs, medians. Virtual: one run (deterministic).
Usage: PCPTESTBED=path/to/pcptestbed validate.py [SECONDS [REPEATS]] > table.md"""
import json, subprocess, statistics, sys, os
P = os.environ.get("PCPTESTBED", "pcptestbed")  # the built runner: stress/PcpTestbed.Stress/bin/Release/net10.0/pcptestbed
OUT = os.environ.get("OUT", "/tmp/val")
os.makedirs(OUT, exist_ok=True)
SECONDS = sys.argv[1] if len(sys.argv) > 1 else "1"
REPEATS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
designs = ["mainline", "pageblock", "pageblock-cmafix", "pageblock-lockfree"]
workloads = ["page-fault", "purge", "exit"]
def load():
    return open("/proc/loadavg").read().split()[:3]
def run(engine, d, w, c, i):
    path = f"{OUT}/{engine}-{d}-{w}-{c}-{i}.json"
    args = [P, "run", "--design", d, "--workload", w, "--cpus", str(c), "--seconds", SECONDS, "--hold-sample", "1", "--quiet", "--json", path]
    args += ["--engine", "virtual"] if engine == "virtual" else ["--pin"]
    # REUSE=1 tabulates the JSON of the last run again; a virtual run is deterministic, so its JSON is reused when there
    if not os.environ.get("REUSE") and not (engine == "virtual" and os.path.exists(path)):
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    r = json.load(open(path))
    z = next(l for l in r["locks"] if l["name"] == "zone->lock")
    pages = r["allocatedPages"]
    return dict(ops=r["opsPerSecond"], acq=z["acquisitions"] * 1000 / pages, cont=z["contentions"] * 1000 / pages,
                hold=z["holdNs"]["total"] / pages if z["holdNs"]["count"] else 0.0,
                p50=z["holdNs"]["p50"] if z["holdNs"]["count"] else 0.0)
rows = []
loads = [load()]
for c in (1, 2):
    for w in workloads:
        for d in designs:
            t = [run("threads", d, w, c, i) for i in range(REPEATS)]
            loads.append(load())
            tm = {k: statistics.median(x[k] for x in t) for k in t[0]}
            v = run("virtual", d, w, c, 0)
            rows.append((c, w, d, tm, v))
            print(c, w, d, tm, v, file=sys.stderr, flush=True)
def ratio(v, t):
    if t == 0 and v == 0: return "="
    if t == 0: return "∞"
    return f"{v / t:.2f}"
def flag(v, t):
    return "" if (t == 0 and v == 0) or (t != 0 and abs(v / t - 1) <= 0.25) else " ✗"
print(f"loads (1/5/15) over the runs: {loads}")
print("| CPUs | workload | design | ops/s threads / virtual (v/t) | zone->lock acq per 1k pages t / v (v/t) | contentions per 1k pages t / v (v/t) | hold ns per page t / v (v/t) | hold p50 ns t / v (v/t) |")
print("|---:|---|---|---|---|---|---|---|")
for c, w, d, t, v in rows:
    cells = []
    for k, fmt in (("ops", "{:,.0f}"), ("acq", "{:.2f}"), ("cont", "{:.3f}"), ("hold", "{:.1f}"), ("p50", "{:,.0f}")):
        cells.append(f"{fmt.format(t[k])} / {fmt.format(v[k])} ({ratio(v[k], t[k])}){flag(v[k], t[k])}")
    print(f"| {c} | {w} | {d} | " + " | ".join(cells) + " |")
