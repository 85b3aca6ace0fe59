namespace PcpTestbed.Coyote.Repro;

/// <summary>
/// A page the window frees that was allocated before it: the rebuilt state allocates one like it (same order; a movable
/// request, the recorder does not know the original gfp) on <see cref="Cpu"/> before anything else. <see cref="Pfn"/> is the
/// absolute pfn the run held it at (null in files without holdings): the ballast leaves that chunk out, as this page
/// stands for it.
/// </summary>
public sealed record ReproPage(int Page, int Cpu, int Order, long? Pfn = null);
