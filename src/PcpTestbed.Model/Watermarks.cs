namespace PcpTestbed.Model;

/// <summary>A zone's watermarks in pages (zone->_watermark[]), before any boost.</summary>
public readonly record struct Watermarks(long Min, long Low, long High, long Promo)
{
    public long this[WatermarkKind kind] => kind switch
    {
        WatermarkKind.Min => Min,
        WatermarkKind.Low => Low,
        WatermarkKind.High => High,
        WatermarkKind.Promo => Promo,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
