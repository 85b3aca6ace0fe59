using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("PcpTestbed.Model.Tests")]
