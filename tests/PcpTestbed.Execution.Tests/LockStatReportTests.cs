using System.Text.Json;
using PcpTestbed.Execution.Locking;
using PcpTestbed.Execution.LockStat;
using PcpTestbed.Model.Sync;

namespace PcpTestbed.Execution.Tests;

public class LockStatReportTests
{
    private static readonly string[] ProcColumns =
    [
        "class name", "con-bounces", "contentions", "waittime-min", "waittime-max", "waittime-total", "waittime-avg",
        "acq-bounces", "acquisitions", "holdtime-min", "holdtime-max", "holdtime-total", "holdtime-avg",
    ];

    private static readonly string[] TableColumns =
    [
        "site", "acquisitions", "contentions", "trylock-fail", "acq-bounces", "con-bounces", "contending",
        "wait-n", "wait-min", "wait-mean", "wait-p50", "wait-p99", "wait-p99.9", "wait-max", "wait-total",
        "hold-n", "hold-min", "hold-mean", "hold-p50", "hold-p99", "hold-p99.9", "hold-max", "hold-total",
    ];

    /// <summary>A report with known numbers: zone->lock contended once at rmqueue_buddy while rmqueue_bulk held it.</summary>
    private static LockStatReport KnownReport()
    {
        var none = LockTimeStats.Empty;
        var wait = new LockTimeStats(1, 2_500, 2_500, 2_500, 2_500, 2_500, 2_500, 2_500);
        var hold = new LockTimeStats(2, 1_234, 3_000, 4_234, 2_117, 1_234, 3_000, 3_000);
        var zone = new LockClassStats(
            "zone->lock", "&zone->lock", 10, 1, 0, 4, 1, wait, hold,
            [
                new LockSiteStats("rmqueue_bulk", 8, 0, 0, 3, 0, 1, none, hold),
                new LockSiteStats("rmqueue_buddy", 2, 1, 0, 1, 1, 0, wait, none),
            ]);
        var pcp = new LockClassStats(
            "pcp->lock", "&pcp->lock", 100, 0, 7, 0, 0, none, none,
            [new LockSiteStats("rmqueue_pcplist", 100, 0, 7, 0, 0, 0, none, none)]);
        return new LockStatReport(2, 1, 20, [zone, pcp]);
    }

    [Fact]
    public void Table_has_every_column_and_a_row_per_class_and_site()
    {
        var table = KnownReport().ToTable();

        foreach (var column in TableColumns)
        {
            Assert.Contains(column, table);
        }

        Assert.Contains("zone->lock\n", table);
        Assert.Contains("pcp->lock\n", table);
        var bulkRow = table.Split('\n').Single(line => line.StartsWith("rmqueue_bulk", StringComparison.Ordinal));
        Assert.Equal(TableColumns.Length, bulkRow.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void Proc_layout_has_the_kernel_header_rules_and_column_names()
    {
        var lines = KnownReport().ToProcLockStat().Split('\n');

        Assert.Equal("lock_stat version 0.4", lines[0]);
        Assert.Equal(new string('-', 221), lines[1]);
        var header = lines[2];
        Assert.Equal("class name", header[..40].Trim());
        for (var i = 1; i < ProcColumns.Length; i++)
        {
            Assert.Equal(ProcColumns[i], header.Substring(40 + 1 + ((i - 1) * 15), 14).Trim());
        }

        Assert.Equal(new string('-', 221), lines[3]);
        Assert.Equal("", lines[4]);
    }

    [Fact]
    public void Proc_layout_prints_a_class_line_in_microseconds_then_its_contention_and_contending_points()
    {
        var lines = KnownReport().ToProcLockStat().Split('\n');

        // Most contended class first; kernel field widths: %40s: %14lu then 4 times " %14s", " %14lu ", ...
        var zone = lines[5];
        Assert.Equal("&zone->lock:", zone[..41].TrimStart());
        var fields = zone[41..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            ["1", "1", "2.50", "2.50", "2.50", "2.50", "4", "10", "1.23", "3.00", "21.17", "2.12"],
            fields);
        Assert.Equal(new string(' ', 29) + new string('-', 11), lines[6]);
        Assert.Equal($"{"&zone->lock",40} {1,14} {"[<0>]",29} rmqueue_buddy", lines[7]);
        Assert.Equal(new string(' ', 29) + new string('-', 11), lines[8]);
        Assert.Equal($"{"&zone->lock",40} {1,14} {"[<0>]",29} rmqueue_bulk", lines[9]);
        Assert.Equal("", lines[10]);
        Assert.Equal(new string('.', 221), lines[11]);
        Assert.Equal("", lines[12]);
        Assert.StartsWith($"{"&pcp->lock",40}:", lines[13]);
    }

    [Theory]
    [InlineData(0, "0.00")]
    [InlineData(1_234, "1.23")]
    [InlineData(1_235, "1.24")]
    [InlineData(999_995, "1000.00")]
    [InlineData(2_220_301_690, "2220301.69")]
    public void Proc_times_are_microseconds_with_two_decimals_rounded_like_snprint_time(long ns, string expected)
    {
        Assert.Equal(expected, LockStatFormat.ProcTime(ns));
    }

    [Fact]
    public void The_data_model_serializes_to_json_with_the_documented_fields()
    {
        var json = JsonSerializer.Serialize(KnownReport(), new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase });

        using var doc = JsonDocument.Parse(json);
        var zone = doc.RootElement.GetProperty("classes")[0];
        Assert.Equal("zone->lock", zone.GetProperty("name").GetString());
        foreach (var field in (string[])["acquisitions", "contentions", "trylockFailures", "bounces", "waitNs", "holdNs", "sites"])
        {
            Assert.True(zone.TryGetProperty(field, out _), $"no {field} in {zone}");
        }

        foreach (var field in (string[])["min", "max", "total", "mean", "p50", "p99", "p999", "count"])
        {
            Assert.True(zone.GetProperty("waitNs").TryGetProperty(field, out _), $"no waitNs.{field}");
            Assert.True(zone.GetProperty("holdNs").TryGetProperty(field, out _), $"no holdNs.{field}");
        }

        var site = zone.GetProperty("sites")[1];
        Assert.Equal("rmqueue_buddy", site.GetProperty("name").GetString());
        Assert.Equal(2_500, site.GetProperty("waitNs").GetProperty("p99").GetInt64());
        Assert.Equal(1, doc.RootElement.GetProperty("holdSampleInterval").GetInt32());
    }

    [Fact]
    public void A_recorded_run_renders_in_both_layouts()
    {
        var recorder = new LockStatRecorder(cpuCount: 1, holdSampleInterval: 1);
        var exec = new OsExecution<LockStatProbe>(new LockStatProbe(recorder));
        var l = new EmuSpinLock(LockClass.Pcp, 0);
        exec.Lock(ref l, 0, LockSite.PcpDrain);
        exec.Unlock(ref l, 0);

        var report = recorder.Snapshot();

        Assert.Contains("drain_pages_zone", report.ToTable());
        Assert.Contains("&pcp->lock:", report.ToProcLockStat());
        Assert.DoesNotContain("&zone->lock:", report.ToProcLockStat());
    }
}
