namespace PcpTestbed.Coyote;

/// <summary>The names of <see cref="PointKind"/> in schedules and trace files.</summary>
internal static class PointKinds
{
    public static string Name(PointKind kind) => kind switch
    {
        PointKind.Start => "start",
        PointKind.OpBegin => "begin",
        PointKind.OpEnd => "end",
        PointKind.Read => "read",
        PointKind.Write => "write",
        PointKind.CompareExchange => "cmpxchg",
        PointKind.Exchange => "xchg",
        PointKind.Lock => "lock",
        PointKind.TryLock => "trylock",
        PointKind.LockElided => "lock-elided",
        PointKind.Unlock => "unlock",
        PointKind.UnlockElided => "unlock-elided",
        PointKind.AfterUnlock => "after-unlock",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
