using LlmEmbed.Statistics;
using LlmEmbed.Tests.Support;

namespace LlmEmbed.Tests.Statistics;

public class PValueAdjustmentTests
{
    private const string File = "holm_bonferroni.jsonl";

    public static IEnumerable<object[]> Cases => GoldenFile.CaseNames(File);

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesGolden(string caseName)
    {
        var c = GoldenFile.Case(File, caseName);
        var p = GoldenFile.Doubles(c.Inputs.GetProperty("pvalues"));
        double alpha = c.Inputs.GetProperty("alpha").GetDouble();
        foreach (var (method, key) in new[]
                 {
                     (PValueAdjustmentMethod.Bonferroni, "bonferroni"),
                     (PValueAdjustmentMethod.Holm, "holm"),
                     (PValueAdjustmentMethod.BenjaminiHochberg, "bh"),
                 })
        {
            var expected = GoldenFile.Doubles(c.Expected.GetProperty(key));
            var adjusted = PValueAdjustment.Adjust(p, method);
            Assert.Equal(expected.Length, adjusted.Length);
            for (int i = 0; i < expected.Length; i++) GoldenFile.AssertClose(expected[i], adjusted[i], 1e-9, $"{key}[{i}]");
            var expectedReject = c.Expected.GetProperty("reject_" + key).EnumerateArray().Select(v => v.GetBoolean()).ToArray();
            Assert.Equal(expectedReject, PValueAdjustment.Reject(adjusted, alpha));
        }
    }

    [Fact]
    public void HandComputedHolm()
    {
        // Holm m = 4: sorted 0.005, 0.01, 0.03, 0.04 -> 0.02, 0.03, 0.06, max(0.06, 0.04) = 0.06.
        var q = PValueAdjustment.Holm([0.01, 0.04, 0.03, 0.005]);
        Assert.Equal([0.03, 0.06, 0.06, 0.02], q.Select(v => Math.Round(v, 12)).ToArray());
    }

    [Fact]
    public void RejectsInvalidPValues()
    {
        Assert.Throws<ArgumentException>(() => PValueAdjustment.Holm([]));
        Assert.Throws<ArgumentException>(() => PValueAdjustment.Holm([0.5, 1.5]));
        Assert.Throws<ArgumentException>(() => PValueAdjustment.BenjaminiHochberg([double.NaN]));
    }
}
