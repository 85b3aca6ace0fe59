namespace PcpTestbed.Model.Sync;

/// <summary>The emulated lock classes, as lock_stat names them.</summary>
public enum LockClass : byte
{
    /// <summary>&amp;zone-&gt;lock: one per zone.</summary>
    Zone = 0,

    /// <summary>&amp;pcp-&gt;lock: one per CPU.</summary>
    Pcp = 1,
}

public static class LockClasses
{
    public const int Count = 2;

    /// <summary>The name /proc/lock_stat prints for the class.</summary>
    public static string KernelName(LockClass c) => c switch
    {
        LockClass.Zone => "&zone->lock",
        LockClass.Pcp => "&pcp->lock",
        _ => throw new ArgumentOutOfRangeException(nameof(c)),
    };

    /// <summary>The short name used in JSON and tables.</summary>
    public static string Name(LockClass c) => c switch
    {
        LockClass.Zone => "zone->lock",
        LockClass.Pcp => "pcp->lock",
        _ => throw new ArgumentOutOfRangeException(nameof(c)),
    };

    /// <summary>One lock instance as reports name it: "zone->lock" (one per zone), "pcp->lock#3".</summary>
    public static string InstanceName(LockClass c, int instance) =>
        c == LockClass.Zone ? Name(c) : $"{Name(c)}#{instance.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    public static bool TryParse(string name, out LockClass c)
    {
        for (var i = 0; i < Count; i++)
        {
            if (Name((LockClass)i) == name)
            {
                c = (LockClass)i;
                return true;
            }
        }

        c = default;
        return false;
    }
}
