using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("PcpTestbed.Designs.Tests")]
