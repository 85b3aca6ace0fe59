using PcpTestbed.Coyote.Repro;
using PcpTestbed.Designs;
using PcpTestbed.Model;
using PcpTestbed.Model.Layout;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote.Tests;

/// <summary>The reproduction files the repro tests build from a recorded window, and the trip through a file on disk.</summary>
internal static class TestReproFiles
{
    /// <summary>
    /// A file of a run of <paramref name="design"/> on a zone of <paramref name="zone"/> and 2 CPUs (the mixed workload, seed 1,
    /// no bugs, the default highatomic variant, no lockdep) broken by "[lockdep] x", whose complete window is
    /// <paramref name="cpu0"/> on CPU 0 and nothing on CPU 1, with the checkpoint's <paramref name="holdings"/> and
    /// <paramref name="snapshot"/> and the run's <paramref name="interrupts"/>, if any.
    /// </summary>
    public static ReproFile TwoCpus(string design, string zone, RecordedOp[] cpu0, ZoneHoldings? holdings = null, AllocatorSnapshot? snapshot = null,
        ReproInterrupts? interrupts = null)
    {
        var facts = new ReproBuilder.RunFacts(design, [], "mixed", 1, 2, zone, HighatomicVariants.Name(HighatomicVariants.Default), false, interrupts);
        return ReproBuilder.Build(facts, [cpu0, []], [0, 0], 16, "[lockdep] x", violationPfn: null, holdings, snapshot);
    }

    /// <summary>A window that frees the order-<paramref name="order"/> page at <paramref name="pfn"/> (from before it), then allocates an order-0 GFP_KERNEL page.</summary>
    public static RecordedOp[] FreeThenAllocate(long pfn, int order) =>
        [new RecordedOp(AllocatorOp.Free, pfn, order, 0, 1, true, false), new RecordedOp(AllocatorOp.Alloc, 0, (long)Gfp.Kernel, 77, 1, true, false)];

    /// <summary><paramref name="file"/> saved and loaded again (<see cref="ReproFile.Load"/>'s checks included); the file on disk is deleted.</summary>
    public static ReproFile RoundTrip(ReproFile file)
    {
        using var temp = new TempDirectory();
        return ReproFile.Load(temp.Save(file));
    }
}
