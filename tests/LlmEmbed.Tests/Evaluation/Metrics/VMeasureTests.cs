using System.Text.Json;
using LlmEmbed.Evaluation.Metrics;
using LlmEmbed.Tests.Support;

namespace LlmEmbed.Tests.Evaluation.Metrics;

public class VMeasureTests
{
    private const string File = "v_measure.jsonl";

    public static IEnumerable<object[]> Cases => GoldenFile.CaseNames(File);

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesScikitLearn(string caseName)
    {
        var c = GoldenFile.Case(File, caseName);
        // Labels may be integers or strings; their raw JSON text identifies them.
        string[] truth = c.Inputs.GetProperty("labels_true").EnumerateArray().Select(Label).ToArray();
        string[] predicted = c.Inputs.GetProperty("labels_pred").EnumerateArray().Select(Label).ToArray();
        double beta = c.Inputs.TryGetProperty("beta", out var b) ? b.GetDouble() : 1.0;

        var result = VMeasure.Compute(truth, predicted, beta);

        var e = c.Expected;
        GoldenFile.AssertClose(GoldenFile.Double(e.GetProperty("homogeneity")), result.Homogeneity, 1e-9, caseName + "/h");
        GoldenFile.AssertClose(GoldenFile.Double(e.GetProperty("completeness")), result.Completeness, 1e-9, caseName + "/c");
        GoldenFile.AssertClose(GoldenFile.Double(e.GetProperty("v_measure")), result.VMeasure, 1e-9, caseName + "/v");
        if (e.TryGetProperty("mutual_info_nats", out var mi))
            GoldenFile.AssertClose(GoldenFile.Double(mi), result.MutualInformation, 1e-9, caseName + "/mi");
        if (e.TryGetProperty("entropy_true_nats", out var ht))
            GoldenFile.AssertClose(GoldenFile.Double(ht), result.EntropyTrue, 1e-9, caseName + "/H(true)");
    }

    private static string Label(JsonElement e) => e.ValueKind == JsonValueKind.String ? "s:" + e.GetString() : "n:" + e.GetRawText();
}
