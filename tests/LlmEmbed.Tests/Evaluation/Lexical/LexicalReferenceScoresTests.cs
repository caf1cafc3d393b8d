using System.Text.Json;
using LlmEmbed.Evaluation.Lexical;
using LlmEmbed.Tests.Evaluation.Harness;
using LlmEmbed.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace LlmEmbed.Tests.Evaluation.Lexical;

/// <summary>
/// The lexical floor on the full shared datasets: against scikit-learn 1.2.1 / a Python BM25
/// (<c>lexical_references.json</c>, written by <c>tools/generate_lexical_references.py</c>) and against the figures
/// quoted in issue #12 (three decimals).
/// </summary>
/// <remarks>
/// The golden tolerance is 2e-4, not 1e-9: pairs whose cosines are equal in exact arithmetic (identical sentences,
/// no shared term) come out equal or 1e-16 apart depending on the order of the floating-point sums, and Spearman
/// ranks such near-ties differently; that moves the correlation in the fifth decimal.
/// </remarks>
public sealed class LexicalReferenceScoresTests(ITestOutputHelper output)
{
    private const double GoldenTolerance = 2e-4;
    private const double IssueTolerance = 0.0005;
    private static readonly string[] SixSts = ["STS12", "STS13", "STS14", "STS15", "STS16", "STSBenchmark"];

    private static readonly Lazy<JsonElement> Golden = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "tests", "LlmEmbed.Tests", "Evaluation", "Lexical", "lexical_references.json"))).RootElement);

    private static double GoldenValue(LexicalReference reference, string task, string split) =>
        Golden.Value.GetProperty(LexicalReferences.Name(reference)).GetProperty($"{task}/{split}").GetDouble();

    private double MainScore(LexicalReference reference, string task, string? split = null)
    {
        var definition = TestRegistry.Load().Get(task);
        if (split != null) definition = definition with { EvalSplit = split };
        double score = new LexicalReferenceEvaluator(reference, TestPaths.Data()).EvaluateTask(definition).MainScore;
        output.WriteLine($"{LexicalReferences.Name(reference)} {task}/{definition.EvalSplit}: {score:F6}");
        return score;
    }

    [Theory]
    [InlineData("STS12", "test", 0.572)]
    [InlineData("STS13", "test", 0.694)]
    [InlineData("STS14", "test", 0.672)]
    [InlineData("STS15", "test", 0.741)]
    [InlineData("STS16", "test", 0.711)]
    [InlineData("STSBenchmark", "test", 0.699)]
    // The issue's SICK-R figure is the test file alone; the registry evaluates train+test (MTEB's 9,927 pairs).
    [InlineData("SICK-R", "test", 0.588)]
    public void TfidfWordMatchesScikitLearnAndTheIssue(string task, string split, double issueFigure)
    {
        double score = MainScore(LexicalReference.TfidfWord, task, split);
        Assert.InRange(score, GoldenValue(LexicalReference.TfidfWord, task, split) - GoldenTolerance, GoldenValue(LexicalReference.TfidfWord, task, split) + GoldenTolerance);
        Assert.InRange(score, issueFigure - IssueTolerance, issueFigure + IssueTolerance);
    }

    [Fact]
    public void SickRAsRegisteredMatchesScikitLearn()
    {
        Assert.InRange(MainScore(LexicalReference.TfidfWord, "SICK-R"), GoldenValue(LexicalReference.TfidfWord, "SICK-R", "train+test") - GoldenTolerance,
            GoldenValue(LexicalReference.TfidfWord, "SICK-R", "train+test") + GoldenTolerance);
        Assert.InRange(MainScore(LexicalReference.TfidfChar, "SICK-R"), GoldenValue(LexicalReference.TfidfChar, "SICK-R", "train+test") - GoldenTolerance,
            GoldenValue(LexicalReference.TfidfChar, "SICK-R", "train+test") + GoldenTolerance);
    }

    /// <summary>The issue's "character 2–4-grams reach a mean of 0.705" is char_wb over the six STS sets without SICK-R (char gives 0.674).</summary>
    [Fact]
    public void TfidfCharacterNgramsMatchScikitLearnCharWb()
    {
        var scores = SixSts.Select(t => (Task: t, Score: MainScore(LexicalReference.TfidfChar, t))).ToList();
        foreach (var (task, score) in scores)
            Assert.InRange(score, GoldenValue(LexicalReference.TfidfChar, task, "test") - GoldenTolerance, GoldenValue(LexicalReference.TfidfChar, task, "test") + GoldenTolerance);
        Assert.InRange(scores.Average(s => s.Score), 0.705 - IssueTolerance, 0.705 + IssueTolerance);
    }

    [Theory]
    [InlineData("SciFact", 0.660)]
    // The issue quotes 0.312 for Cranfield; no BM25 variant tried reproduces both figures (see docs/evaluation.md).
    [InlineData("Cranfield", null)]
    public void Bm25MatchesThePythonReference(string task, double? issueFigure)
    {
        double score = MainScore(LexicalReference.Bm25, task);
        double golden = GoldenValue(LexicalReference.Bm25, task, "test");
        Assert.InRange(score, golden - 1e-9, golden + 1e-9);
        if (issueFigure is { } figure) Assert.InRange(score, figure - IssueTolerance, figure + IssueTolerance);
    }
}
