using PcpTestbed.Designs.Mainline;
using PcpTestbed.Designs.Pageblock;
using PcpTestbed.Model;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Designs;

/// <summary>Creates a design by kind, over any execution engine.</summary>
public static class AllocatorFactory
{
    public static PageAllocator<TExec> Create<TExec>(DesignKind design, Zone zone, AllocatorConfig config, TExec exec)
        where TExec : struct, IExecution
    {
        return design switch
        {
            DesignKind.Mainline => new MainlineAllocator<TExec>(zone, config, exec),
            _ => new PageblockAllocator<TExec>(design, zone, config, exec),
        };
    }
}
