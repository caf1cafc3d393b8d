using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmEmbed.Embedding;

/// <summary>
/// One of N deterministic shards of an <c>embed</c> input (I is 0-based, like <c>SLURM_ARRAY_TASK_ID</c> and
/// <c>JOB_COMPLETION_INDEX</c>). A shard is a contiguous run of whole batches of the encode plan — the texts sorted
/// longest first (ties by input position) and cut into batches, exactly as <see cref="EmbeddingModel.Encode(IReadOnlyList{TokenizedText}, EncodeOptions?, IProgress{EncodeProgress}?, CancellationToken)"/>
/// batches them — so every text is embedded in the very batch an unsharded run puts it in, and the merged file equals
/// the unsharded one byte for byte. (Shards of contiguous input lines would batch texts with other neighbours and
/// differ in the last bits: a matrix product's rounding depends on the batch's shape.) Each shard's output file has a
/// sidecar <c>FILE.shard.json</c> (this record) naming the input positions of its rows, which
/// <see cref="EmbeddingShards.Merge"/> checks: same input, same N and batch size, every position exactly once.
/// </summary>
/// <param name="Indices">Input positions of the shard file's rows, ascending (the rows are in this order).</param>
public sealed record EmbeddingShard(
    [property: JsonPropertyName("shard")] int Index,
    [property: JsonPropertyName("shards")] int Count,
    [property: JsonPropertyName("total")] int Total,
    [property: JsonPropertyName("batch_size")] int BatchSize,
    [property: JsonPropertyName("input_sha256")] string InputSha256,
    [property: JsonPropertyName("dimension")] int Dimension,
    [property: JsonPropertyName("indices")] IReadOnlyList<int> Indices)
{
    public const string SidecarSuffix = ".shard.json";

    /// <summary>Parses <c>I/N</c> (0 ≤ I &lt; N).</summary>
    public static (int Index, int Count) ParseSpec(string spec)
    {
        var parts = spec.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], out int index) || !int.TryParse(parts[1], out int count) || count < 1 || index < 0 || index >= count)
            throw new ArgumentException($"--shard: expected I/N with 0 <= I < N (I is 0-based, like SLURM_ARRAY_TASK_ID), got '{spec}'");
        return (index, count);
    }

    /// <summary>
    /// The input positions of shard <paramref name="index"/> of <paramref name="count"/>, in encode order: batches
    /// [⌊I·b/N⌋, ⌊(I+1)·b/N⌋) of the b batches of the plan. Encoding exactly these texts, in this order, with the same
    /// batch size reproduces the unsharded run's batches.
    /// </summary>
    public static int[] Plan(IReadOnlyList<int> tokenCounts, int batchSize, int index, int count)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be positive");
        // The order EmbeddingModel.Encode uses (longest first, ties by position); ShardedEmbedTests guards the match.
        var order = Enumerable.Range(0, tokenCounts.Count).OrderByDescending(i => tokenCounts[i]).ThenBy(i => i).ToArray();
        int batches = (order.Length + batchSize - 1) / batchSize;
        int first = (int)((long)index * batches / count), last = (int)((long)(index + 1) * batches / count);
        int start = Math.Min(first * batchSize, order.Length), end = Math.Min(last * batchSize, order.Length);
        return order[start..end];
    }

    /// <summary>SHA-256 of the input file's bytes: shards of different inputs never merge.</summary>
    public static string HashInput(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public static string SidecarPath(string outputPath) => outputPath + SidecarSuffix;

    public void WriteSidecar(string outputPath)
    {
        string path = SidecarPath(outputPath), tmp = path + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(this));
        File.Move(tmp, path, overwrite: true);
    }

    public static EmbeddingShard ReadSidecar(string outputPath)
    {
        string path = SidecarPath(outputPath);
        if (!File.Exists(path)) throw new FileNotFoundException($"{outputPath}: no {SidecarSuffix} beside it (was it written by `embed --shard`?)", path);
        try
        {
            return JsonSerializer.Deserialize<EmbeddingShard>(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path}: empty");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }
}
