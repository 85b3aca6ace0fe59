using PcpTestbed.Model.Sync;

namespace PcpTestbed.Model.Tests;

/// <summary>Holds zone->lock for CPU 0 until disposed, so tests can call the buddy functions that assert it.</summary>
internal readonly struct ZoneLockScope : IDisposable
{
    private readonly Zone _zone;

    public ZoneLockScope(Zone zone)
    {
        _zone = zone;
        DirectExecution.Seize(ref zone.Lock, cpu: 0);
    }

    public void Dispose() => DirectExecution.Release(ref _zone.Lock);
}
