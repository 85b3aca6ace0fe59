#!/usr/bin/env python3
"""Writes the hand-made /proc fixtures next to this script.

this-machine/ is a verbatim copy of a real machine's files and is not touched here. The other
folders are made consistent by construction: block counts add up to the zone's pageblocks, free
chunks fit their blocks, and watermarks and PCP sizes follow the kernel's formulas
(mm/page_alloc.c: calculate_min_free_kbytes, __setup_per_zone_wmarks, zone_batchsize,
zone_highsize). The malformed/ folders are this-machine/ with one defect each.

Run it from anywhere: python3 generate.py
"""
import math
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
TYPES = ["Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate"]
ORDERS = 11

NODE_STATS = """nr_inactive_anon nr_active_anon nr_inactive_file nr_active_file nr_unevictable
nr_slab_reclaimable nr_slab_unreclaimable nr_isolated_anon nr_isolated_file workingset_nodes
workingset_refault_anon workingset_refault_file workingset_activate_anon workingset_activate_file
workingset_restore_anon workingset_restore_file workingset_nodereclaim nr_anon_pages nr_mapped
nr_file_pages nr_dirty nr_writeback nr_shmem nr_shmem_hugepages nr_shmem_pmdmapped
nr_file_hugepages nr_file_pmdmapped nr_anon_transparent_hugepages nr_vmscan_write
nr_vmscan_immediate_reclaim nr_dirtied nr_written nr_throttled_written nr_kernel_misc_reclaimable
nr_foll_pin_acquired nr_foll_pin_released nr_kernel_stack nr_page_table_pages
nr_sec_page_table_pages nr_iommu_pages nr_swapcached pgpromote_success pgpromote_candidate
nr_hugetlb nr_balloon_pages""".split()


def calculate_min_free_kbytes(lowmem_pages):
    return max(128, min(262144, math.isqrt(lowmem_pages * 4 * 16)))


def watermarks(managed, lowmem, min_free_kbytes, scale=10):
    pages_min = min_free_kbytes >> 2
    wmin = pages_min * managed // lowmem
    delta = max(wmin >> 2, managed * scale // 10000)
    return wmin, wmin + delta, wmin + 2 * delta, wmin + 3 * delta


def batchsize(managed):
    b = min(managed >> 10, 256) // 4
    b = max(b, 1)
    b = (1 << ((b + b // 2).bit_length() - 1)) - 1
    return max(1, b)


def highsize(total, batch, cpus):
    return max(total // cpus, batch << 2)


class Zone:
    def __init__(self, name, start_pfn, spanned, present, managed, blocks, free, cma=0, reserved_ha=0):
        self.name, self.start_pfn, self.spanned, self.present, self.managed = name, start_pfn, spanned, present, managed
        self.blocks = blocks  # {type: count}
        self.free = free  # {type: [11 counts]}
        self.cma = cma
        self.reserved_ha = reserved_ha

    def free_pages(self, types=TYPES):
        return sum(c << o for t in types for o, c in enumerate(self.free.get(t, [0] * ORDERS)))


def write_machine(folder, zones, empty, cpus, min_free_kbytes, cma_kernel, sysctl_dir=None, sysctls=None):
    os.makedirs(folder, exist_ok=True)
    lowmem = sum(z.managed for z in zones)
    mfk = min_free_kbytes if min_free_kbytes is not None else calculate_min_free_kbytes(lowmem)
    out = []
    first = True
    for z in zones:
        wmin, low, high, promo = watermarks(z.managed, lowmem, mfk)
        out.append(f"Node 0, zone {z.name:>8}")
        if first:
            out.append("  per-node stats")
            for i, s in enumerate(NODE_STATS):
                out.append(f"      {s:<12} {(i * 7919) % 50000}")
            first = False
        free = z.free_pages([t for t in TYPES if t != "Isolate"])
        out += [f"  pages free     {free}", "        boost    0", f"        min      {wmin}", f"        low      {low}",
                f"        high     {high}", f"        promo    {promo}", f"        spanned  {z.spanned}",
                f"        present  {z.present}", f"        managed  {z.managed}", f"        cma      {z.cma}",
                "        protection: (0, 0, 0, 0, 0)"]
        stats = [("nr_free_pages", free), ("nr_free_pages_blocks", (free // 512) * 512), ("nr_zone_inactive_anon", 1200),
                 ("nr_zone_active_anon", 300), ("nr_zone_inactive_file", 40000), ("nr_zone_active_file", 41000),
                 ("nr_zone_unevictable", 0), ("nr_zone_write_pending", 12), ("nr_mlock", 0), ("nr_zspages", 0),
                 ("nr_free_cma", z.free_pages(["CMA"])), ("numa_hit", 123456), ("numa_miss", 0), ("numa_foreign", 0),
                 ("numa_interleave", 0), ("numa_local", 123456), ("numa_other", 0)]
        out += [f"      {k:<12} {v}" for k, v in stats]
        batch = batchsize(z.managed)
        hmin, hmax = highsize(low, batch, cpus), highsize(z.managed // 8, batch, cpus)
        out.append("  pagesets")
        for cpu in range(cpus):
            out += [f"    cpu: {cpu}", f"              count:    {(cpu * 37) % batch}", f"              high:     {hmin}",
                    f"              batch:    {batch}", f"              high_min: {hmin}", f"              high_max: {hmax}",
                    "  vm stats threshold: 24"]
        out += ["  node_unreclaimable:  0", f"  start_pfn:           {z.start_pfn}",
                f"  reserved_highatomic: {z.reserved_ha}", f"  free_highatomic:     {z.free_pages(['HighAtomic'])}"]
    for name in empty:
        out += [f"Node 0, zone {name:>8}", "  pages free     0", "        boost    0", "        min      32",
                "        low      32", "        high     32", "        promo    32", "        spanned  0", "        present  0",
                "        managed  0", "        cma      0", "        protection: (0, 0, 0, 0, 0)"]
    with open(os.path.join(folder, "zoneinfo"), "w") as f:
        f.write("\n".join(out) + "\n")

    types = [t for t in TYPES if cma_kernel or t != "CMA"]
    pt = ["Page block order: 9", "Pages per block:  512", "",
          f"{'Free pages count per migrate type at order':<43} " + "".join(f"{o:6d} " for o in range(ORDERS))]
    for z in zones:
        for t in types:
            counts = z.free.get(t, [0] * ORDERS)
            pt.append(f"Node {0:4d}, zone {z.name:>8}, type {t:>12} " + "".join(f"{c:6d} " for c in counts))
    pt.append("")
    pt.append(f"{'Number of blocks type ':<23}" + "".join(f"{t:>12} " for t in types))
    for z in zones:
        pt.append(f"Node 0, zone {z.name:>8} " + "".join(f"{z.blocks.get(t, 0):12d} " for t in types))
    with open(os.path.join(folder, "pagetypeinfo"), "w") as f:
        f.write("\n".join(pt) + "\n")

    target = os.path.join(folder, sysctl_dir) if sysctl_dir else folder
    os.makedirs(target, exist_ok=True)
    for name, value in (sysctls or {}).items():
        with open(os.path.join(target, name), "w") as f:
            f.write(f"{value}\n")


def dma():
    # As on a PC: pfn 0 is reserved, so the zone starts at pfn 1 and its first block is partial.
    return Zone("DMA", 1, 4095, 3998, 3840, {"Unmovable": 1, "Movable": 7},
                {"Unmovable": [0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0], "Movable": [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3]})


def dma32():
    return Zone("DMA32", 4096, 1044480, 782336, 772808, {"Movable": 1528},
                {"Movable": [2, 3, 0, 2, 3, 2, 1, 4, 4, 2, 752]})


def cma_kernel():
    # 2 GiB Normal zone with a 512 MiB CMA area and two HIGHATOMIC blocks; 4 CPUs.
    normal = Zone("Normal", 1048576, 524288, 524288, 520192,
                  {"Unmovable": 60, "Movable": 690, "Reclaimable": 16, "HighAtomic": 2, "CMA": 256},
                  {"Unmovable": [310, 120, 64, 31, 12, 6, 2, 1, 0, 0, 0],
                   "Movable": [2100, 950, 400, 210, 120, 60, 33, 20, 9, 5, 150],
                   "Reclaimable": [44, 20, 16, 9, 4, 2, 1, 0, 0, 0, 0],
                   "HighAtomic": [0, 12, 5, 2, 0, 0, 0, 0, 0, 0, 0],
                   "CMA": [18, 9, 4, 2, 1, 1, 0, 0, 1, 10, 100]},
                  cma=131072, reserved_ha=1024)
    write_machine(os.path.join(HERE, "cma-kernel"), [dma(), dma32(), normal], ["Movable", "Device"], 4, 67584, True,
                  sysctl_dir="sys/vm", sysctls={"min_free_kbytes": 67584, "watermark_scale_factor": 10})


def normal_64g():
    # The largest zone the testbed models: 32768 pageblocks; 1 GiB of it is the memmap (reserved). 16 CPUs.
    normal = Zone("Normal", 1048576, 16777216, 16777216, 16515072,
                  {"Unmovable": 412, "Movable": 32100, "Reclaimable": 250, "HighAtomic": 6},
                  {"Unmovable": [1800, 900, 410, 200, 90, 40, 12, 4, 1, 0, 0],
                   "Movable": [90000, 40000, 18000, 7000, 3100, 1500, 700, 300, 120, 300, 12000],
                   "Reclaimable": [700, 400, 200, 90, 40, 20, 8, 3, 1, 0, 0],
                   "HighAtomic": [0, 40, 22, 10, 4, 1, 0, 0, 0, 0, 0]},
                  reserved_ha=6 * 512)
    write_machine(os.path.join(HERE, "normal-64g"), [dma(), dma32(), normal], ["Movable", "Device"], 16, None, False)


def malformed():
    src = os.path.join(HERE, "this-machine")
    zoneinfo = open(os.path.join(src, "zoneinfo")).read()
    pagetypeinfo = open(os.path.join(src, "pagetypeinfo")).read()

    def variant(name, zi=zoneinfo, pt=pagetypeinfo):
        folder = os.path.join(HERE, "malformed", name)
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
        if zi is not None:
            open(os.path.join(folder, "zoneinfo"), "w").write(zi)
        if pt is not None:
            open(os.path.join(folder, "pagetypeinfo"), "w").write(pt)

    def replace_line(text, predicate, edit, after=None):
        lines = text.split("\n")
        start = 0 if after is None else next(i for i, l in enumerate(lines) if after in l)
        i = next(i for i, l in enumerate(lines) if i >= start and predicate(l))
        lines[i] = edit(lines[i])
        return "\n".join(lines)

    # arm64 with 64 KiB pages: 512 MiB pageblocks.
    variant("pageblock-order-13",
            pt=pagetypeinfo.replace("Page block order: 9", "Page block order: 13").replace("Pages per block:  512", "Pages per block:  8192"))
    # The third count of Normal's Movable row is junk.
    variant("junk-free-count",
            pt=replace_line(pagetypeinfo, lambda l: "zone   Normal, type      Movable" in l,
                            lambda l: l[:l.index("Movable") + 7] + "      1      2    abc" + l[l.index("Movable") + 7 + 21:]))
    # Normal's min watermark made negative.
    variant("negative-min",
            zi=replace_line(zoneinfo, lambda l: l.strip().startswith("min "), lambda l: l.replace("min      ", "min      -"),
                            after="zone   Normal"))
    # DMA32 managing more pages than it spans.
    variant("managed-over-spanned", zi=zoneinfo.replace("managed  772808", "managed  2000000"))
    # Normal with 40000 Movable pageblocks: more than 64 GiB.
    variant("too-many-blocks", pt=replace_line(pagetypeinfo, lambda l: l.startswith("Node 0, zone   Normal"),
                                              lambda l: l.replace("          827 ", "        40000 ")))
    variant("missing-pagetypeinfo", pt=None)


if __name__ == "__main__":
    cma_kernel()
    normal_64g()
    malformed()
