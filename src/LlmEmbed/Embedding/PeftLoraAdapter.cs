using System.Text.Json;
using System.Text.Json.Nodes;
using LlmEmbed.Checkpoints;
using LlmEmbed.Models;
using static TorchSharp.torch;

namespace LlmEmbed.Embedding;

/// <summary>
/// LoRA adapters in the PEFT folder layout: <c>adapter_config.json</c> and <c>adapter_model.safetensors</c> with names
/// <c>base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight</c> (A [r, in], B [out, r]).
/// </summary>
public static class PeftLoraAdapter
{
    public const string ConfigFile = "adapter_config.json";
    public const string WeightsFile = "adapter_model.safetensors";
    public const string NamePrefix = "base_model.model.";

    /// <summary>The PEFT tensor names and tensors of every attached, unmerged adapter.</summary>
    public static IEnumerable<KeyValuePair<string, Tensor>> AdapterTensors(DecoderModel model)
    {
        foreach (var (path, _, p) in model.Projections)
        {
            if (p.Rank == 0 || p.Merged) continue;
            yield return new(NamePrefix + path + ".lora_A.weight", p.LoraA!);
            yield return new(NamePrefix + path + ".lora_B.weight", p.LoraB!);
        }
    }

    public static void Save(string dir, DecoderModel model, LoraOptions lora, string? baseModelName)
    {
        Directory.CreateDirectory(dir);
        var config = new JsonObject
        {
            ["peft_type"] = "LORA",
            ["task_type"] = "FEATURE_EXTRACTION",
            ["base_model_name_or_path"] = baseModelName,
            ["r"] = lora.Rank,
            ["lora_alpha"] = lora.Alpha,
            ["lora_dropout"] = lora.Dropout,
            ["target_modules"] = new JsonArray(lora.TargetModules().Select(m => (JsonNode)m).ToArray()),
            ["bias"] = "none",
            ["fan_in_fan_out"] = false,
            ["inference_mode"] = true,
            ["init_lora_weights"] = true,
            ["use_rslora"] = false,
            ["use_dora"] = false,
            ["modules_to_save"] = null,
            ["layers_to_transform"] = null,
            ["revision"] = null,
        };
        AtomicFile.WriteAllText(Path.Combine(dir, ConfigFile), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        SafeTensorsFile.Save(Path.Combine(dir, WeightsFile), AdapterTensors(model), new Dictionary<string, string> { ["format"] = "pt" });
    }

    /// <summary>Reads <c>adapter_config.json</c> and checks it agrees with the LoRA settings the model was built with.</summary>
    public static void CheckConfig(string dir, LoraOptions lora)
    {
        string path = Path.Combine(dir, ConfigFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"{dir}: LoRA is enabled but {ConfigFile} is missing", path);
        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path}: not a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: invalid JSON: {e.Message}", e);
        }
        string? peft = root["peft_type"]?.GetValue<string>();
        if (peft != "LORA") throw new InvalidDataException($"{path}: peft_type is '{peft}', expected LORA");
        int r = root["r"]?.GetValue<int>() ?? throw new InvalidDataException($"{path}: r is missing");
        if (r != lora.Rank) throw new InvalidDataException($"{path}: r = {r} but {EmbeddingModelConfig.FileName} says {lora.Rank}");
        double alpha = root["lora_alpha"]?.GetValue<double>() ?? throw new InvalidDataException($"{path}: lora_alpha is missing");
        if (alpha != lora.Alpha) throw new InvalidDataException($"{path}: lora_alpha = {alpha} but {EmbeddingModelConfig.FileName} says {lora.Alpha}");
        var targets = (root["target_modules"] as JsonArray)?.Select(n => n!.GetValue<string>()).Order(StringComparer.Ordinal).ToList()
            ?? throw new InvalidDataException($"{path}: target_modules must be a list");
        var expected = lora.TargetModules().Order(StringComparer.Ordinal).ToList();
        if (!targets.SequenceEqual(expected))
            throw new InvalidDataException($"{path}: target_modules [{string.Join(", ", targets)}] differ from [{string.Join(", ", expected)}]");
    }

    /// <summary>Copies the adapter weights into the model's attached adapters; every adapter must be present with its shape, nothing extra.</summary>
    public static void LoadWeights(string dir, DecoderModel model)
    {
        string path = Path.Combine(dir, WeightsFile);
        var tensors = SafeTensorsFile.Load(path);
        try
        {
            var expected = AdapterTensors(model).ToDictionary(kv => kv.Key, kv => kv.Value);
            var problems = new List<string>();
            foreach (var (name, p) in expected)
            {
                if (!tensors.TryGetValue(name, out var t)) problems.Add($"missing tensor '{name}'");
                else if (!t.shape.SequenceEqual(p.shape)) problems.Add($"tensor '{name}' has shape [{string.Join(", ", t.shape)}], expected [{string.Join(", ", p.shape)}]");
            }
            problems.AddRange(tensors.Keys.Where(n => !expected.ContainsKey(n)).Select(n => $"unexpected tensor '{n}'"));
            if (problems.Count > 0) throw new InvalidDataException($"{path}: adapter does not match the model:\n  " + string.Join("\n  ", problems));
            using (no_grad())
            {
                foreach (var (name, p) in expected) p.copy_(tensors[name]);
            }
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }
}
