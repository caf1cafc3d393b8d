using LlmEmbed.Embedding;
using LlmEmbed.Training.Contrastive;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LlmEmbed.Tests.Training;

/// <summary>
/// A tiny deterministic encoder for tests: hashed character trigrams (FNV-1a into <see cref="Buckets"/> buckets)
/// averaged per text (an EmbeddingBag in mean mode, as a bag-of-buckets matrix times a weight), tanh, dropout, a
/// linear projection and L2 normalisation. Queries and documents get different prefixes so the two roles differ.
/// Optionally in bfloat16 (weights and compute). Setting <see cref="Poison"/> makes every output NaN (to test the trainer's non-finite handling).
/// </summary>
public sealed class TrigramTestEncoder : nn.Module, IContrastiveEncoder
{
    public const int Buckets = 97;
    private readonly Linear embed;
    private readonly Dropout dropout;
    private readonly Linear project;

    private readonly ScalarType dtype;

    public TrigramTestEncoder(double dropoutProbability = 0.1, int hidden = 16, int output = 8, ScalarType dtype = ScalarType.Float32) : base("trigram")
    {
        embed = nn.Linear(Buckets, hidden, hasBias: false);
        dropout = nn.Dropout(dropoutProbability);
        project = nn.Linear(hidden, output);
        RegisterComponents();
        this.dtype = dtype;
        if (dtype != ScalarType.Float32) this.to(dtype);
    }

    public bool Poison { get; set; }

    public int EncodeCalls { get; private set; }

    public Tensor Encode(IReadOnlyList<string> texts, TextRole role, IReadOnlyList<string?>? instructions = null)
    {
        EncodeCalls++;
        using var scope = NewDisposeScope();
        var bags = new float[texts.Count * Buckets];
        for (int i = 0; i < texts.Count; i++)
        {
            string text = (role == TextRole.Query ? "q|" + (instructions?[i] ?? "") + "|" : "d|") + texts[i].ToLowerInvariant();
            int grams = Math.Max(1, text.Length - 2);
            for (int k = 0; k + 3 <= text.Length; k++)
                bags[i * Buckets + Bucket(text.AsSpan(k, 3))] += 1f / grams;
        }
        var x = tensor(bags).view(texts.Count, Buckets).to(dtype);
        var h = dropout.forward(embed.forward(x).tanh());
        var y = nn.functional.normalize(project.forward(h), p: 2, dim: 1);
        if (Poison) y = y.mul(float.NaN);
        return y.MoveToOuterDisposeScope();
    }

    public IEnumerable<(string Name, Parameter Parameter)> TrainableParameters() =>
        named_parameters().Select(p => (p.name, p.parameter));

    public void Train(bool training) => train(training);

    /// <summary>Embeddings as float rows, in evaluation mode without a graph (for the miner).</summary>
    public float[][] Embed(IReadOnlyList<string> texts, TextRole role)
    {
        Train(false);
        using var _ = no_grad();
        using var y = Encode(texts, role).to(ScalarType.Float32).contiguous();
        var flat = y.data<float>().ToArray();
        int d = (int)y.shape[1];
        return Enumerable.Range(0, texts.Count).Select(i => flat.AsSpan(i * d, d).ToArray()).ToArray();
    }

    /// <summary>Copies of all parameters as float arrays, by name.</summary>
    public Dictionary<string, float[]> Snapshot() =>
        named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().to(ScalarType.Float32).contiguous().data<float>().ToArray());

    private static int Bucket(ReadOnlySpan<char> gram)
    {
        uint hash = 2166136261;
        foreach (char c in gram) { hash ^= c; hash *= 16777619; }
        return (int)(hash % Buckets);
    }
}
