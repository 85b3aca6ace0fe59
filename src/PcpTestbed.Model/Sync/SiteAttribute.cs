namespace PcpTestbed.Model.Sync;

/// <summary>
/// The stable name of an <see cref="AccessSite"/>: "kernel_function:what", with the injected bug in brackets for a
/// point that exists only on a bug's path. Coverage tables and trace files print it, so it changes only when the
/// code it names does.
/// </summary>
[AttributeUsage(AttributeTargets.Field)]
public sealed class SiteAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
