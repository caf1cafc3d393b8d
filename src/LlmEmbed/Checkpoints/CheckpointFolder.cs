using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace LlmEmbed.Checkpoints;

/// <summary>
/// The Hugging Face weight layout of a model folder: <c>model.safetensors</c>, or shards
/// <c>model-00001-of-00003.safetensors</c> … listed in <c>model.safetensors.index.json</c> (<c>weight_map</c>:
/// tensor name → shard file).
/// </summary>
public static class CheckpointFolder
{
    public const string SingleFile = "model.safetensors";
    public const string IndexFile = "model.safetensors.index.json";

    /// <summary>True when <paramref name="dir"/> holds safetensors weights in either layout.</summary>
    public static bool HasWeights(string dir) => File.Exists(Path.Combine(dir, SingleFile)) || File.Exists(Path.Combine(dir, IndexFile));

    /// <summary>Loads every tensor (or those accepted by <paramref name="filter"/>) from a folder in either layout.</summary>
    public static Dictionary<string, Tensor> Load(string dir, Func<string, bool>? filter = null, bool allowNonFinite = false)
    {
        string index = Path.Combine(dir, IndexFile);
        if (File.Exists(index) && File.Exists(Path.Combine(dir, SingleFile)))
            throw new InvalidDataException($"{dir}: holds both {SingleFile} and a sharded {IndexFile}; which one is the model is ambiguous — remove the stale one");
        if (!File.Exists(index))
        {
            string single = Path.Combine(dir, SingleFile);
            if (!File.Exists(single)) throw new FileNotFoundException($"{dir}: no {SingleFile} or {IndexFile}", single);
            return SafeTensorsFile.Load(single, filter, allowNonFinite);
        }
        var map = ReadWeightMap(index);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var shard in map.Values.Distinct().Order(StringComparer.Ordinal))
            {
                string shardPath = Path.Combine(dir, shard);
                var listed = map.Where(kv => kv.Value == shard).Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal);
                var header = SafeTensorsFile.ReadHeader(shardPath);
                var present = header.Tensors.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
                var missing = listed.Where(n => !present.Contains(n)).ToList();
                if (missing.Count > 0) throw new InvalidDataException($"{index}: tensor '{missing[0]}' is mapped to {shard}, which does not contain it");
                var extra = present.Where(n => !listed.Contains(n)).ToList();
                if (extra.Count > 0) throw new InvalidDataException($"{shardPath}: tensor '{extra[0]}' is not listed in {IndexFile}'s weight_map");
                foreach (var (name, t) in SafeTensorsFile.Load(shardPath, n => filter == null || filter(n), allowNonFinite)) result[name] = t;
            }
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        return result;
    }

    private static Dictionary<string, string> ReadWeightMap(string index)
    {
        try
        {
            var root = JsonNode.Parse(File.ReadAllText(index)) as JsonObject ?? throw new InvalidDataException($"{index}: not a JSON object");
            var map = root["weight_map"] as JsonObject ?? throw new InvalidDataException($"{index}: no weight_map object");
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, file) in map)
            {
                string f = file?.GetValueKind() == JsonValueKind.String ? file.GetValue<string>() : throw new InvalidDataException($"{index}: weight_map['{name}'] is not a file name");
                if (f.Contains('/') || f.Contains('\\') || f.Contains("..")) throw new InvalidDataException($"{index}: weight_map['{name}'] = '{f}' must be a file in the same folder");
                result[name] = f;
            }
            return result;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{index}: invalid JSON: {e.Message}", e);
        }
    }

    /// <summary>
    /// Saves tensors in the HF layout: one <c>model.safetensors</c> when they fit in <paramref name="maxShardBytes"/>,
    /// otherwise shards plus the index. Stale weight files of the other layout are removed so the folder stays unambiguous.
    /// </summary>
    public static void Save(string dir, IEnumerable<KeyValuePair<string, Tensor>> tensors, long maxShardBytes = long.MaxValue, IReadOnlyDictionary<string, string>? metadata = null)
    {
        if (maxShardBytes <= 0) throw new ArgumentOutOfRangeException(nameof(maxShardBytes), maxShardBytes, "shard size must be positive");
        Directory.CreateDirectory(dir);
        var list = tensors.ToList();
        var meta = new Dictionary<string, string> { ["format"] = "pt" };
        if (metadata != null) foreach (var (k, v) in metadata) meta[k] = v;
        var shards = new List<List<KeyValuePair<string, Tensor>>> { new() };
        long current = 0, total = 0;
        foreach (var kv in list)
        {
            long bytes = kv.Value.numel() * kv.Value.element_size();
            if (current > 0 && current + bytes > maxShardBytes) { shards.Add([]); current = 0; }
            shards[^1].Add(kv);
            current += bytes;
            total += bytes;
        }
        foreach (var stale in Directory.GetFiles(dir, "model-*-of-*.safetensors")) File.Delete(stale);
        if (shards.Count == 1)
        {
            File.Delete(Path.Combine(dir, IndexFile));
            SafeTensorsFile.Save(Path.Combine(dir, SingleFile), list, meta);
            return;
        }
        var weightMap = new JsonObject();
        for (int i = 0; i < shards.Count; i++)
        {
            string name = $"model-{i + 1:D5}-of-{shards.Count:D5}.safetensors";
            SafeTensorsFile.Save(Path.Combine(dir, name), shards[i], meta);
            foreach (var kv in shards[i]) weightMap[kv.Key] = name;
        }
        var index = new JsonObject { ["metadata"] = new JsonObject { ["total_size"] = total }, ["weight_map"] = weightMap };
        AtomicFile.WriteAllText(Path.Combine(dir, IndexFile), index.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.Delete(Path.Combine(dir, SingleFile));
    }
}
