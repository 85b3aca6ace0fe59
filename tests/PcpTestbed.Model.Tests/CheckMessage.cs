using System.Runtime.CompilerServices;

namespace PcpTestbed.Model.Tests;

/// <summary>
/// An interpolated failure message that is formatted only when its check fails, so the randomized test can
/// check every step with descriptive messages at no cost on the passing path.
/// </summary>
[InterpolatedStringHandler]
internal ref struct CheckMessage
{
    private DefaultInterpolatedStringHandler _inner;
    private readonly bool _failed;

    public CheckMessage(int literalLength, int formattedCount, bool ok, out bool shouldAppend)
    {
        _failed = !ok;
        shouldAppend = _failed;
        _inner = _failed ? new DefaultInterpolatedStringHandler(literalLength, formattedCount) : default;
    }

    public void AppendLiteral(string value) => _inner.AppendLiteral(value);

    public void AppendFormatted<T>(T value) => _inner.AppendFormatted(value);

    public void AppendFormatted<T>(T value, string? format) => _inner.AppendFormatted(value, format);

    public override string ToString() => _failed ? _inner.ToStringAndClear() : string.Empty;
}
