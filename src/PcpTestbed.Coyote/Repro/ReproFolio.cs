namespace PcpTestbed.Coyote.Repro;

/// <summary>A folio of a recorded batched free: the page's handle and order.</summary>
public sealed record ReproFolio(int Page, int Order);
