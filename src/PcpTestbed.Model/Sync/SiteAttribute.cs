namespace PcpTestbed.Model.Sync;

/// <summary>
/// The stable name of an <see cref="AccessSite"/>: "kernel_function:what". Coverage tables and trace files print it, so it changes only when the
/// code it names does.
/// </summary>
[AttributeUsage(AttributeTargets.Field)]
public sealed class SiteAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
