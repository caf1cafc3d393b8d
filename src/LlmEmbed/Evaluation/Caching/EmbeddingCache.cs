using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace LlmEmbed.Evaluation.Caching;

/// <summary>
/// On-disk embedding cache: one entry per (key, texts) as a binary float32 matrix plus a JSON description.
/// </summary>
/// <remarks>
/// Layout: <c>{root}/{model}/{dataset}/{split}.{role}.{hash}.bin</c> and <c>.json</c>, where hash is the SHA-256
/// of the key fields and of every text (length-prefixed UTF-8), so any change to the texts, instruction or model
/// gives a new entry. The .bin holds "LEMB", version 1, rows and dim (int32 little-endian), then rows·dim
/// float32 little-endian. Files are written under a temporary name and renamed, the .json last, so a crash
/// never leaves an entry that looks complete; an entry whose files disagree with its description is ignored.
/// </remarks>
public sealed class EmbeddingCache
{
    private static readonly byte[] Magic = "LEMB"u8.ToArray();
    private const int Version = 1;

    public string Root { get; }

    public EmbeddingCache(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.GetFullPath(root);
    }

    /// <summary>The cached matrix for these texts, or null when there is no valid entry.</summary>
    public float[][]? TryGet(EmbeddingCacheKey key, IReadOnlyList<string> texts)
    {
        var (bin, json, hash) = Paths(key, texts);
        if (!File.Exists(json) || !File.Exists(bin)) return null;
        try
        {
            using (var doc = JsonDocument.Parse(File.ReadAllText(json)))
            {
                if (doc.RootElement.GetProperty("hash").GetString() != hash) return null;
                if (doc.RootElement.GetProperty("rows").GetInt32() != texts.Count) return null;
            }
            using var stream = File.OpenRead(bin);
            using var reader = new BinaryReader(stream);
            if (!reader.ReadBytes(4).AsSpan().SequenceEqual(Magic) || reader.ReadInt32() != Version) return null;
            int rows = reader.ReadInt32(), dim = reader.ReadInt32();
            if (rows != texts.Count || dim < 1 || stream.Length != 16 + (long)rows * dim * sizeof(float)) return null;
            var result = new float[rows][];
            var buffer = new byte[dim * sizeof(float)];
            for (int i = 0; i < rows; i++)
            {
                stream.ReadExactly(buffer);
                result[i] = new float[dim];
                Buffer.BlockCopy(buffer, 0, result[i], 0, buffer.Length);
                if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("the embedding cache assumes a little-endian machine");
            }
            return result;
        }
        catch (Exception e) when (e is IOException or JsonException or KeyNotFoundException or InvalidOperationException or EndOfStreamException)
        {
            return null;
        }
    }

    /// <summary>Stores a matrix (one row per text, all of one dimension), atomically.</summary>
    public void Put(EmbeddingCacheKey key, IReadOnlyList<string> texts, IReadOnlyList<float[]> embeddings)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        if (embeddings.Count != texts.Count)
            throw new ArgumentException($"{texts.Count} texts but {embeddings.Count} embeddings", nameof(embeddings));
        if (embeddings.Count == 0) throw new ArgumentException("nothing to cache", nameof(embeddings));
        int dim = embeddings[0].Length;
        var (bin, json, hash) = Paths(key, texts);
        Directory.CreateDirectory(Path.GetDirectoryName(bin)!);
        WriteAtomically(bin, stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            writer.Write(Version);
            writer.Write(embeddings.Count);
            writer.Write(dim);
            var buffer = new byte[dim * sizeof(float)];
            for (int i = 0; i < embeddings.Count; i++)
            {
                if (embeddings[i].Length != dim)
                    throw new ArgumentException($"embedding {i} has dimension {embeddings[i].Length}, expected {dim}", nameof(embeddings));
                Buffer.BlockCopy(embeddings[i], 0, buffer, 0, buffer.Length);
                writer.Write(buffer);
            }
        });
        var description = new Dictionary<string, object?>
        {
            ["model_id"] = key.ModelId, ["dataset"] = key.Dataset, ["split"] = key.Split, ["role"] = key.Role.ToString(),
            ["instruction"] = key.Instruction, ["instruction_mode"] = key.InstructionMode,
            ["hash"] = hash, ["rows"] = embeddings.Count, ["dim"] = dim, ["created_utc"] = DateTime.UtcNow.ToString("O"),
        };
        WriteAtomically(json, stream => JsonSerializer.Serialize(stream, description, new JsonSerializerOptions { WriteIndented = true }));
    }

    private (string Bin, string Json, string Hash) Paths(EmbeddingCacheKey key, IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(texts);
        string hash = Hash(key, texts);
        string folder = Path.Combine(Root, SafeName(key.ModelId), SafeName(key.Dataset));
        string stem = $"{SafeName(key.Split)}.{key.Role.ToString().ToLowerInvariant()}.{hash[..16]}";
        return (Path.Combine(folder, stem + ".bin"), Path.Combine(folder, stem + ".json"), hash);
    }

    private static string Hash(EmbeddingCacheKey key, IReadOnlyList<string> texts)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string? s)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(s ?? "\0null");
            sha.AppendData(BitConverter.GetBytes(bytes.Length));
            sha.AppendData(bytes);
        }
        Add(key.ModelId); Add(key.Dataset); Add(key.Split); Add(key.Role.ToString()); Add(key.Instruction); Add(key.InstructionMode);
        sha.AppendData(BitConverter.GetBytes(texts.Count));
        foreach (string text in texts) Add(text);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>A file-name-safe rendering of an id (model ids can be paths).</summary>
    internal static string SafeName(string value)
    {
        var sb = new StringBuilder(value.Length);
        foreach (char c in value.Trim().TrimEnd('/', '\\'))
            sb.Append(char.IsLetterOrDigit(c) || c is '-' or '_' or '.' or '+' ? c : '_');
        string name = sb.ToString().Trim('.');
        return name.Length == 0 ? "_" : name.Length > 100 ? name[^100..] : name;
    }

    private static void WriteAtomically(string path, Action<Stream> write) => AtomicFile.Write(path, write);
}
