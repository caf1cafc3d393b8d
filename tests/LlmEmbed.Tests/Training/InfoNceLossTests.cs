using LlmEmbed.Training.Contrastive;
using static TorchSharp.torch;

namespace LlmEmbed.Tests.Training;

public class InfoNceLossTests
{
    // 3 queries, 3 positives, 3 hard negatives in 2-D, chosen so every cosine is a known number.
    // Angles: q = 0°, 90°, 180°; positives = 0°, 60°, 180°; negatives = 90°, 0°, 120°.
    private static readonly double[] QueryAngles = [0, 90, 180];
    private static readonly double[] DocumentAngles = [0, 60, 180, 90, 0, 120];

    private static Tensor Vectors(double[] degrees, double length = 1) =>
        tensor(degrees.SelectMany(d => new[] { (float)(length * Math.Cos(d * Math.PI / 180)), (float)(length * Math.Sin(d * Math.PI / 180)) }).ToArray()).view(degrees.Length, 2);

    /// <summary>cos between the i-th query and j-th document, from the angle difference.</summary>
    private static double Cos(int i, int j) => Math.Cos((QueryAngles[i] - DocumentAngles[j]) * Math.PI / 180);

    private static double RowLoss(double[] logits, int label) =>
        Math.Log(logits.Where(double.IsFinite).Sum(Math.Exp)) - logits[label];

    [Fact]
    public void ThreeByThreePlusHardNegativesMatchesTheFormula()
    {
        using var q = Vectors(QueryAngles);
        using var d = Vectors(DocumentAngles, length: 3); // lengths must not matter: the loss uses cosine
        using var loss = new InfoNceLoss(scale: 20).Compute(q, d.narrow(0, 0, 3), d.narrow(0, 3, 3));

        // Hand-written cosine table (rows: queries; columns: p0 p1 p2 n0 n1 n2).
        double[,] cos =
        {
            { 1.0, 0.5, -1.0, 0.0, 1.0, -0.5 },
            { 0.0, Math.Sqrt(3) / 2, 0.0, 1.0, 0.0, Math.Sqrt(3) / 2 },
            { -1.0, -0.5, 1.0, 0.0, -1.0, 0.5 },
        };
        double expected = 0;
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 6; j++) Assert.Equal(cos[i, j], Cos(i, j), 12);
            expected += RowLoss(Enumerable.Range(0, 6).Select(j => 20 * cos[i, j]).ToArray(), i) / 3;
        }
        Assert.Equal(expected, loss.item<float>(), 4);
        // Row 0 has a hard negative identical to its positive (n1 = 0°), so its loss is at least log 2.
        Assert.True(expected > Math.Log(2) / 3);
    }

    [Fact]
    public void SymmetricTermAveragesQueryToDocumentAndDocumentToQuery()
    {
        using var q = Vectors(QueryAngles);
        using var d = Vectors(DocumentAngles);
        using var loss = new InfoNceLoss(scale: 20, symmetric: true).Compute(q, d.narrow(0, 0, 3), d.narrow(0, 3, 3));
        double forward = 0, backward = 0;
        for (int i = 0; i < 3; i++)
        {
            forward += RowLoss(Enumerable.Range(0, 6).Select(j => 20 * Cos(i, j)).ToArray(), i) / 3;
            backward += RowLoss(Enumerable.Range(0, 3).Select(k => 20 * Cos(k, i)).ToArray(), i) / 3; // positive i against all queries
        }
        Assert.Equal((forward + backward) / 2, loss.item<float>(), 4);
    }

    [Fact]
    public void DuplicatePositiveTextsAreNotTreatedAsNegatives()
    {
        using var q = Vectors(QueryAngles);
        using var d = Vectors(DocumentAngles);
        // Positive 0 and hard negative 1 (same direction) carry the same text: column 4 is masked out of row 0 only.
        string[] texts = ["a", "b", "c", "x", "a", "z"];
        using var masked = new InfoNceLoss(20, maskDuplicatePositives: true).Compute(q, d.narrow(0, 0, 3), d.narrow(0, 3, 3), texts);
        using var unmasked = new InfoNceLoss(20, maskDuplicatePositives: false).Compute(q, d.narrow(0, 0, 3), d.narrow(0, 3, 3), texts);
        double expectedMasked = 0, expectedPlain = 0;
        for (int i = 0; i < 3; i++)
        {
            var row = Enumerable.Range(0, 6).Select(j => 20 * Cos(i, j)).ToArray();
            expectedPlain += RowLoss(row, i) / 3;
            if (i == 0) row[4] = double.NegativeInfinity;
            expectedMasked += RowLoss(row, i) / 3;
        }
        Assert.Equal(expectedMasked, masked.item<float>(), 4);
        Assert.Equal(expectedPlain, unmasked.item<float>(), 4);
        Assert.NotEqual(Math.Round(expectedMasked, 4), Math.Round(expectedPlain, 4));
    }

    [Fact]
    public void RowsWithoutHardNegativesUseInBatchNegativesOnly()
    {
        using var q = Vectors(QueryAngles);
        using var d = Vectors(DocumentAngles);
        using var loss = new InfoNceLoss(20).Compute(q, d.narrow(0, 0, 3), d.narrow(0, 3, 1)); // only row 0 has a negative
        double expected = 0;
        for (int i = 0; i < 3; i++)
            expected += RowLoss(Enumerable.Range(0, 4).Select(j => 20 * Cos(i, j)).ToArray(), i) / 3;
        Assert.Equal(expected, loss.item<float>(), 4);
    }

    [Fact]
    public void MismatchedShapesAreRejectedWithTheirShapes()
    {
        using var q = Vectors(QueryAngles);
        using var d = Vectors([0, 90]);
        var e = Assert.Throws<ArgumentException>(() => new InfoNceLoss().Compute(q, d, null));
        Assert.Contains("[2, 2]", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new InfoNceLoss(scale: 0));
    }

    [Fact]
    public void MatryoshkaAddsTheLossOfEachRenormalisedPrefix()
    {
        // 4-D vectors: the first two components are the known angles (lengths 1 and 3), the last two arbitrary.
        float[] tails = [0.7f, -0.2f, 0.1f, 0.9f, -0.5f, 0.3f, 1.1f, 0.4f, 0.0f, -0.8f, 0.6f, 0.6f];
        static double[][] Widen(double[] angles, double length, float[] tail, int offset) => angles.Select((a, i) => new[]
        {
            length * Math.Cos(a * Math.PI / 180), length * Math.Sin(a * Math.PI / 180), tail[offset + 2 * i], tail[offset + 2 * i + 1],
        }).ToArray();
        var q = Widen(QueryAngles, 1, tails, 0);
        var d = Widen(DocumentAngles[..3], 3, tails, 6);
        using var qt = tensor(q.SelectMany(r => r.Select(x => (float)x)).ToArray()).view(3, 4);
        using var dt = tensor(d.SelectMany(r => r.Select(x => (float)x)).ToArray()).view(3, 4);
        using var loss = new InfoNceLoss(scale: 20, matryoshkaDims: [2]).Compute(qt, dt, null);

        static double Cosine(double[] a, double[] b, int width)
        {
            double dot = 0, na = 0, nb = 0;
            for (int k = 0; k < width; k++) { dot += a[k] * b[k]; na += a[k] * a[k]; nb += b[k] * b[k]; }
            return dot / Math.Sqrt(na * nb);
        }
        double expected = 0;
        foreach (int width in new[] { 4, 2 })
            for (int i = 0; i < 3; i++)
                expected += RowLoss(Enumerable.Range(0, 3).Select(j => 20 * Cosine(q[i], d[j], width)).ToArray(), i) / 3;
        // The 2-wide prefix is exactly the hand-checked angle table (cosines 1, 0.5, -1, ...).
        Assert.Equal(0.5, Cosine(q[0], d[1], 2), 12);
        Assert.Equal(expected, loss.item<float>(), 4);
        Assert.Throws<ArgumentException>(() => new InfoNceLoss(matryoshkaDims: [8]).Compute(qt, dt, null));
        Assert.Throws<ArgumentException>(() => new InfoNceLoss(matryoshkaDims: [2, 2]));
    }
}
