using System.Runtime.CompilerServices;
using PcpTestbed.Model;

namespace PcpTestbed.Designs;

/// <summary>
/// A PCP's list heads, inline in <see cref="PerCpuPages"/>. Mainline uses the first NR_PCP_LISTS (14)
/// by pindex; the pageblock design keeps a list per PCP migratetype for every order up to pageblock_order.
/// </summary>
[InlineArray(Capacity)]
public struct PcpListHeads // do not make readonly: list heads are updated in place
{
    public const int Capacity = MigrateTypes.PcpTypes * (PageAlloc.PageblockOrder + 1);

    private ListHead _first;
}
