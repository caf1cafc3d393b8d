using System.Text.Json;

namespace LlmEmbed.Tokenization;

/// <summary>The parts of <c>tokenizer_config.json</c> (and <c>special_tokens_map.json</c>) that decide special tokens.</summary>
public sealed record TokenizerConfig
{
    public bool? AddBosToken { get; init; }
    public bool? AddEosToken { get; init; }
    public string? BosToken { get; init; }
    public string? EosToken { get; init; }
    public string? PadToken { get; init; }

    /// <summary>HF <c>tokenizer_class</c> (e.g. Qwen2Tokenizer): decides the split regex of vocab.json + merges.txt.</summary>
    public string? TokenizerClass { get; init; }

    /// <summary><c>added_tokens_decoder</c>: id → content, matched verbatim in raw text like HF does.</summary>
    public IReadOnlyDictionary<int, string> AddedTokens { get; init; } = new Dictionary<int, string>();
    public IReadOnlyList<string> SourceFiles { get; init; } = [];

    public static TokenizerConfig Load(string dir)
    {
        var config = new TokenizerConfig();
        var files = new List<string>();
        foreach (var name in new[] { "special_tokens_map.json", "tokenizer_config.json" })
        {
            string path = Path.Combine(dir, name);
            if (!File.Exists(path)) continue;
            files.Add(path);
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(path));
                var root = doc.RootElement;
                config = config with
                {
                    AddBosToken = Bool(root, "add_bos_token") ?? config.AddBosToken,
                    AddEosToken = Bool(root, "add_eos_token") ?? config.AddEosToken,
                    BosToken = Token(root, "bos_token") ?? config.BosToken,
                    EosToken = Token(root, "eos_token") ?? config.EosToken,
                    PadToken = Token(root, "pad_token") ?? config.PadToken,
                    TokenizerClass = root.TryGetProperty("tokenizer_class", out var tc) && tc.ValueKind == JsonValueKind.String ? tc.GetString() : config.TokenizerClass,
                    AddedTokens = AddedTokensDecoder(root, path) ?? config.AddedTokens,
                };
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}: invalid JSON: {e.Message}", e);
            }
        }
        return config with { SourceFiles = files };
    }

    private static Dictionary<int, string>? AddedTokensDecoder(JsonElement root, string path)
    {
        if (!root.TryGetProperty("added_tokens_decoder", out var d) || d.ValueKind != JsonValueKind.Object) return null;
        var result = new Dictionary<int, string>();
        foreach (var p in d.EnumerateObject())
        {
            if (!int.TryParse(p.Name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int id))
                throw new InvalidDataException($"{path}: added_tokens_decoder key '{p.Name}' is not a token id");
            if (p.Value.ValueKind != JsonValueKind.Object || !p.Value.TryGetProperty("content", out var c) || c.ValueKind != JsonValueKind.String)
                throw new InvalidDataException($"{path}: added_tokens_decoder['{p.Name}'] has no string content");
            result[id] = c.GetString()!;
        }
        return result;
    }

    private static bool? Bool(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;

    // Special tokens are either a string or an AddedToken object {"content": "..."}.
    private static string? Token(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var v)) return null;
        return v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Object when v.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String => c.GetString(),
            _ => null,
        };
    }
}
