using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("PcpTestbed.Workloads.Tests")]
