using System.Text;
using Xunit.Abstractions;

namespace PcpTestbed.Workloads.Tests.Support;

/// <summary>Collects what a run prints, for a fixture whose runs several tests report.</summary>
public sealed class LogOutput : ITestOutputHelper
{
    private readonly StringBuilder _text = new();

    public string Text => _text.ToString().TrimEnd();

    public void WriteLine(string message) => _text.AppendLine(message);

    public void WriteLine(string format, params object[] args) => _text.AppendLine(string.Format(format, args));
}
