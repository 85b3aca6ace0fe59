#!/usr/bin/env python3
"""Issue 13 table: per configuration dir, per workload x cpus x design: zone->lock per allocated page, pcp trylock failures and collisions, throughput."""
import json, sys, os
TRY = {'rmqueue_pcplist', 'free_unref_page', 'free_unref_page:remote', 'free_unref_folios', 'free_unref_folios:remote', 'free_frozen_page_commit:relock'}
def rows(d):
    for w in ['purge', 'exit', 'page-fault', 'mixed']:
        for c in ['1p', '2p', '8']:
            p = os.path.join(d, f'{w}-{c}.json')
            if not os.path.exists(p):
                continue
            j = json.load(open(p))
            for r in j['runs']:
                pages = max(r['allocatedPages'], 1)
                z = next(l for l in r['locks'] if l['name'] == 'zone->lock')
                pcp = next(l for l in r['locks'] if l['name'] == 'pcp->lock')
                tries = sum(s['acquisitions'] + s['trylockFailures'] for s in pcp['sites'] if s['name'] in TRY)
                tf = pcp['trylockFailures']
                coll = {}
                for s in pcp['sites']:
                    for k in s.get('trylockCollisions', []):
                        key = f"{s['name']}←{k['holder']}"
                        coll[key] = coll.get(key, 0) + k['count']
                top = sorted(coll.items(), key=lambda kv: -kv[1])[:2]
                tops = '; '.join(f"{k} {100*v/max(tf,1):.0f}%" for k, v in top) if tf else '-'
                yield dict(w=w, c=c, d=r['design'], mops=r['opsPerSecond']/1e6,
                           acq=1000*z['acquisitions']/pages, cont=1000*z['contentions']/pages,
                           hold=z['holdTotalEstimatedNs']/pages, wait=z['waitNs']['total']/pages,
                           tf=100*tf/max(tries,1), top=tops,
                           pduty=100*pcp['duty']['mean'], zduty=100*z['duty']['mean'])
if __name__ == '__main__':
    for d in sys.argv[1:]:
        print(f"\n#### {os.path.basename(d)}\n")
        print("| workload | CPUs | design | Mops/s | zone->lock acq /1k pages | contentions /1k pages | hold ns/page | wait ns/page | pcp trylock fail % | failures collided with (failing site←holder) | pcp->lock duty % | zone->lock duty % |")
        print("|---|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|")
        for r in rows(d):
            print(f"| {r['w']} | {r['c']} | {r['d']} | {r['mops']:.2f} | {r['acq']:.2f} | {r['cont']:.3f} | {r['hold']:.1f} | {r['wait']:.1f} | {r['tf']:.2f} | {r['top']} | {r['pduty']:.1f} | {r['zduty']:.2f} |")
