using PcpTestbed.Execution.LockStat;
using PcpTestbed.Stress.Cli;
using PcpTestbed.Stress.Plots;

namespace PcpTestbed.Stress.Tests;

public class ValuesTests
{
    [Theory]
    [InlineData("abc", false, "expected a whole number from 1 to 1024")]
    [InlineData("1024", true, "")]
    [InlineData("1025", false, "expected a whole number from 1 to 1024")]
    [InlineData("999999999999999999999", false, "this is too large")]
    public void Whole_numbers_are_checked_with_a_message_that_says_what_is_expected(string text, bool ok, string problem)
    {
        Assert.Equal(ok, Values.TryWhole(text, 1, 1024, out _, out var p));
        if (!ok)
        {
            Assert.Contains(problem, p);
        }
    }

    [Fact]
    public void Quoted_input_is_one_printable_line()
    {
        var shown = Values.Show("a\nb\u0007c\u200Bd" + new string('x', 100));
        Assert.DoesNotContain('\n', shown);
        Assert.DoesNotContain('\u0007', shown);
        Assert.Contains("\\x0A", shown);
        Assert.True(shown.Length < 60);
        Assert.Equal("error a b", Values.OneLine("error\na\r\nb").Replace("  ", " "));
    }

    [Fact]
    public void Log_bins_keep_every_sample_and_put_it_where_its_value_is()
    {
        var h = new LogLinearHistogram();
        foreach (var ns in (long[])[0, 5, 10, 100, 150, 1000, 40_000, 1_000_000])
        {
            h.Record(ns);
        }

        var shares = LogBins.Shares(h);
        Assert.Equal(100, shares.Sum(), 6);
        var bin = (int)(Math.Log2(40_000) * LogBins.BinsPerOctave);
        Assert.True(shares[bin - 1] + shares[bin] + shares[bin + 1] >= 12.4, "the 40 µs sample lands near 40 µs");
        Assert.Equal(0, LogBins.Shares(new LogLinearHistogram()).Sum());
    }
}
