using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("PcpTestbed.Execution.Tests")]
