using PcpTestbed.Model.Sync;

namespace PcpTestbed.Coyote;

/// <summary>
/// A lock-elision run (the scenarios' self-check): every acquisition of <see cref="Class"/> at <see cref="Site"/>
/// returns as if the lock were taken without taking it, and the matching unlock is skipped. The CPU is treated as
/// holding it for lockdep_assert_held(), so only a race (another CPU taking the lock meanwhile) can show the
/// missing lock; a scenario that never finds it within its budget lets such a bug escape.
/// </summary>
public readonly record struct LockElision(LockClass Class, LockSite Site)
{
    /// <summary>"zone->lock@rmqueue_bulk".</summary>
    public override string ToString() => $"{LockClasses.Name(Class)}@{LockSites.KernelName(Site)}";

    public static bool TryParse(string text, out LockElision elision)
    {
        elision = default;
        var at = text.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0 || !LockClasses.TryParse(text[..at], out var c) || !LockSites.TryParse(text[(at + 1)..], out var site))
        {
            return false;
        }

        elision = new LockElision(c, site);
        return true;
    }
}
