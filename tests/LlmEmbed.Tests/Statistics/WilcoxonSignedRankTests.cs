using System.Text.Json;
using LlmEmbed.Statistics;
using LlmEmbed.Tests.Support;

namespace LlmEmbed.Tests.Statistics;

public class WilcoxonSignedRankTests
{
    private const string File = "wilcoxon_signed_rank.jsonl";

    public static IEnumerable<object[]> Cases => GoldenFile.CaseNames(File);

    private static TestAlternative Alternative(string s) => s switch
    {
        "two-sided" => TestAlternative.TwoSided,
        "greater" => TestAlternative.Greater,
        "less" => TestAlternative.Less,
        _ => throw new FormatException(s),
    };

    private static WilcoxonZeroMethod ZeroMethod(string s) => s switch
    {
        "wilcox" => WilcoxonZeroMethod.Wilcox,
        "pratt" => WilcoxonZeroMethod.Pratt,
        "zsplit" => WilcoxonZeroMethod.Zsplit,
        _ => throw new FormatException(s),
    };

    private static WilcoxonMethod Method(string s) => s switch
    {
        "auto" => WilcoxonMethod.Auto,
        "exact" => WilcoxonMethod.Exact,
        "approx" => WilcoxonMethod.Approx,
        _ => throw new FormatException(s),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesScipy1101Golden(string caseName)
    {
        var c = GoldenFile.Case(File, caseName);
        var x = GoldenFile.Doubles(c.Inputs.GetProperty("x"));
        var y = GoldenFile.Doubles(c.Inputs.GetProperty("y"));
        var alternative = Alternative(c.Inputs.GetProperty("alternative").GetString()!);
        var zeroMethod = ZeroMethod(c.Inputs.GetProperty("zero_method").GetString()!);
        bool correction = c.Inputs.GetProperty("correction").GetBoolean();
        var method = Method(c.Inputs.GetProperty("method").GetString()!);
        var e = c.Expected;

        if (e.TryGetProperty("error", out _))
        {
            var ex = Assert.Throws<ArgumentException>(() => WilcoxonSignedRank.Test(x, y, alternative, zeroMethod, correction, method));
            Assert.Contains(e.GetProperty("message").GetString()!, ex.Message);
            return;
        }

        var r = WilcoxonSignedRank.Test(x, y, alternative, zeroMethod, correction, method);

        Assert.Equal(e.GetProperty("statistic").GetDouble(), r.Statistic);
        Assert.Equal(e.GetProperty("r_plus").GetDouble(), r.RPlus);
        Assert.Equal(e.GetProperty("r_minus").GetDouble(), r.RMinus);
        Assert.Equal(e.GetProperty("n_used").GetInt32(), r.NUsed);
        Assert.Equal(e.GetProperty("n_zero").GetInt32(), r.NZero);
        Assert.Equal(e.GetProperty("has_ties").GetBoolean(), r.HasTies);
        string resolved = e.GetProperty("resolved_method").GetString()!;
        Assert.Equal(Method(resolved), r.Method);
        double expectedP = e.GetProperty("pvalue").GetDouble();

        if (resolved == "exact")
        {
            Assert.True(Math.Abs(r.PValue - expectedP) <= 1e-12, $"{caseName}: p {r.PValue:R} vs {expectedP:R}");
            Assert.Equal(e.GetProperty("pvalue_fraction").GetString(), r.ExactPValue?.ToString());
            Assert.Null(r.ZStatistic);
        }
        else
        {
            Assert.True(Math.Abs(r.PValue - expectedP) <= 1e-6 * Math.Abs(expectedP) + 1e-15, $"{caseName}: p {r.PValue:R} vs {expectedP:R}");
            double z = e.GetProperty("zstatistic").GetDouble();
            Assert.True(Math.Abs(r.ZStatistic!.Value - z) <= 1e-9 * Math.Max(Math.Abs(z), 1e-300) || r.ZStatistic == z, $"{caseName}: z {r.ZStatistic:R} vs {z:R}");
            GoldenFile.AssertClose(e.GetProperty("mean_T").GetDouble(), r.MeanT!.Value, 1e-12, "mean_T");
            GoldenFile.AssertClose(e.GetProperty("se_T").GetDouble(), r.SeT!.Value, 1e-12, "se_T");
            Assert.Equal(e.GetProperty("tie_term").GetDouble(), r.TieTerm);
            Assert.Equal(e.GetProperty("continuity").GetDouble(), r.Continuity);
            Assert.Null(r.ExactPValue);
        }

        var expectedWarnings = e.TryGetProperty("scipy_warnings", out var w) && w.ValueKind == JsonValueKind.Array
            ? w.EnumerateArray().Select(v => v.GetString()!).ToArray()
            : [];
        foreach (string warning in expectedWarnings) Assert.Contains(warning, r.Warnings);
    }

    public static IEnumerable<object[]> VersionSensitiveCases => GoldenFile.Read(File)
        .Where(c => c.Expected.TryGetProperty("expected_scipy_ge_1_15", out _)).Select(c => new object[] { c.Name });

    [Theory]
    [MemberData(nameof(VersionSensitiveCases))]
    public void NewerScipyAutoRuleMatchesGolden(string caseName)
    {
        var c = GoldenFile.Case(File, caseName);
        var x = GoldenFile.Doubles(c.Inputs.GetProperty("x"));
        var y = GoldenFile.Doubles(c.Inputs.GetProperty("y"));
        var e = c.Expected.GetProperty("expected_scipy_ge_1_15");

        var r = WilcoxonSignedRank.Test(x, y, Alternative(c.Inputs.GetProperty("alternative").GetString()!),
            ZeroMethod(c.Inputs.GetProperty("zero_method").GetString()!), c.Inputs.GetProperty("correction").GetBoolean(),
            WilcoxonMethod.Auto, WilcoxonAutoRule.Scipy1_15);

        Assert.Equal(e.GetProperty("statistic").GetDouble(), r.Statistic);
        string resolved = e.GetProperty("resolved_method").GetString()!;
        double expectedP = e.GetProperty("pvalue").GetDouble();
        if (resolved.StartsWith("permutation", StringComparison.Ordinal))
        {
            Assert.Equal(WilcoxonMethod.Permutation, r.Method);
            Assert.True(Math.Abs(r.PValue - expectedP) <= 1e-12, $"p {r.PValue:R} vs {expectedP:R}");
        }
        else
        {
            Assert.Equal(Method(resolved), r.Method);
            Assert.True(Math.Abs(r.PValue - expectedP) <= 1e-6 * expectedP + 1e-15, $"p {r.PValue:R} vs {expectedP:R}");
            // SciPy >= 1.15 reports the two-sided z as -|z|; ours is (T - mean)/se with T = min(R+, R-), also <= 0 here.
            double z = e.GetProperty("zstatistic").GetDouble();
            Assert.True(Math.Abs(r.ZStatistic!.Value - z) <= 1e-9 * Math.Abs(z));
        }
    }

    [Fact]
    public void NewerAutoRuleKeepsExactWithoutTiesAndPermutesSmallTiedSamples()
    {
        // No ties or zeros: both rules give the exact distribution.
        double[] d = [6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75];
        var old = WilcoxonSignedRank.TestDifferences(d);
        var newer = WilcoxonSignedRank.TestDifferences(d, autoRule: WilcoxonAutoRule.Scipy1_15);
        Assert.Equal(WilcoxonMethod.Exact, newer.Method);
        Assert.Equal(old.PValue, newer.PValue);
        Assert.Equal(old.ExactPValue, newer.ExactPValue);
        // Ties, n = 4: d = [1, 1, 2, -3]; ranks 1.5, 1.5, 3, 4; R+ = 6, R- = 4. R+ over the 16 patterns:
        // sums of subsets of {1.5, 1.5, 3, 4}: 0, 1.5, 1.5, 3, 3, 4, 4.5, 4.5, 5.5, 5.5, 6, 7, 7, 8.5, 8.5, 10.
        // P(R+ >= 6) = 6/16, P(R+ <= 6) = 11/16 -> two-sided 12/16.
        var r = WilcoxonSignedRank.TestDifferences([1, 1, 2, -3], autoRule: WilcoxonAutoRule.Scipy1_15);
        Assert.Equal(WilcoxonMethod.Permutation, r.Method);
        Assert.Equal(4, r.Statistic);
        Assert.Equal(0.75, r.PValue);
        Assert.Equal(new ExactFraction(3, 4), r.ExactPValue);
        var greater = WilcoxonSignedRank.TestDifferences([1, 1, 2, -3], TestAlternative.Greater, autoRule: WilcoxonAutoRule.Scipy1_15);
        Assert.Equal(6.0 / 16, greater.PValue);
    }

    [Fact]
    public void DocumentedScipyExampleAndHandComputedCases()
    {
        // Darwin's corn data from the SciPy docstring: (24, 0.041259765625) exact.
        double[] d = [6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75];
        var r = WilcoxonSignedRank.TestDifferences(d);
        Assert.Equal(24, r.Statistic);
        Assert.Equal(0.041259765625, r.PValue);

        // All 4 differences positive: R+ = 10 = max, one pattern of 16 -> two-sided 2/16.
        var all = WilcoxonSignedRank.TestDifferences([0.5, 1.5, 2.5, 3.5]);
        Assert.Equal(0, all.Statistic);
        Assert.Equal(0.125, all.PValue);
        Assert.Equal(new ExactFraction(1, 8), all.ExactPValue);

        // n = 1: R+ = 1, both patterns as extreme -> p = 1.
        var one = WilcoxonSignedRank.TestDifferences([0.3]);
        Assert.Equal(1.0, one.PValue);
        Assert.Equal(WilcoxonMethod.Exact, one.Method);
    }

    [Fact]
    public void ApproximationIsCloseToExactForModerateN()
    {
        var d = Enumerable.Range(1, 40).Select(i => (i % 3 == 0 ? -1.0 : 1.0) * (i + 0.25 * (i % 7))).ToArray();
        var exact = WilcoxonSignedRank.TestDifferences(d, method: WilcoxonMethod.Exact);
        var approx = WilcoxonSignedRank.TestDifferences(d, method: WilcoxonMethod.Approx, correction: true);
        Assert.InRange(Math.Abs(exact.PValue - approx.PValue), 0, 0.01);
    }

    [Fact]
    public void TiesEverywhereUseTieCorrectedVariance()
    {
        // Ten |d| = 1: ranks all 5.5, tie term 10^3 - 10 = 990; se^2 = (10·11·21 - 495)/24.
        double[] d = [1, 1, 1, 1, 1, 1, 1, -1, -1, -1];
        var r = WilcoxonSignedRank.TestDifferences(d, method: WilcoxonMethod.Approx);
        Assert.Equal(16.5, r.Statistic);
        Assert.Equal(990, r.TieTerm);
        GoldenFile.AssertClose(Math.Sqrt((10 * 11 * 21 - 495) / 24.0), r.SeT!.Value, 1e-14);
        GoldenFile.AssertClose((16.5 - 27.5) / r.SeT!.Value, r.ZStatistic!.Value, 1e-14);
    }

    [Fact]
    public void ExactBeyondIntegerRangeUsesFloatingPmf()
    {
        var d = Enumerable.Range(1, 70).Select(i => i % 2 == 0 ? (double)i : -(double)i).ToArray();
        var exact = WilcoxonSignedRank.TestDifferences(d, method: WilcoxonMethod.Exact);
        var approx = WilcoxonSignedRank.TestDifferences(d, method: WilcoxonMethod.Approx);
        Assert.Null(exact.ExactPValue);
        Assert.InRange(exact.PValue, approx.PValue - 0.01, approx.PValue + 0.01);
    }

    [Fact]
    public void RejectsInvalidInput()
    {
        Assert.Throws<ArgumentException>(() => WilcoxonSignedRank.Test([1.0, 2.0], [1.0]));
        Assert.Throws<ArgumentException>(() => WilcoxonSignedRank.TestDifferences([]));
        Assert.Throws<ArgumentException>(() => WilcoxonSignedRank.TestDifferences([1.0, double.NaN]));
        var ex = Assert.Throws<ArgumentException>(() => WilcoxonSignedRank.TestDifferences([0.0, 0.0, 0.0], zeroMethod: WilcoxonZeroMethod.Pratt));
        Assert.Contains("zero for all elements", ex.Message);
        // zsplit keeps all-zero differences: z = 0, p = 1.
        var z = WilcoxonSignedRank.TestDifferences([0.0, 0.0, 0.0], zeroMethod: WilcoxonZeroMethod.Zsplit);
        Assert.Equal(1.0, z.PValue);
    }
}
