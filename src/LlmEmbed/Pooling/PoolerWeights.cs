using LlmEmbed.Checkpoints;
using static TorchSharp.torch;

namespace LlmEmbed.Pooling;

/// <summary>Saves and loads a pooler's parameters as safetensors (<c>pooler.safetensors</c>).</summary>
public static class PoolerWeights
{
    public static void Save(IPooler pooler, string path) =>
        SafeTensorsFile.Save(path, pooler.NamedParameters().Select(p => new KeyValuePair<string, Tensor>(p.Name, p.Parameter)),
            new Dictionary<string, string> { ["pooler"] = PoolerFactory.NameOf(pooler.Kind) });

    /// <summary>Copies the file's tensors into the pooler; missing, extra or mis-shaped tensors are all reported, naming the file.</summary>
    public static void Load(IPooler pooler, string path)
    {
        var tensors = SafeTensorsFile.Load(path);
        try
        {
            var expected = pooler.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
            var problems = new List<string>();
            foreach (var (name, p) in expected)
            {
                if (!tensors.TryGetValue(name, out var t)) problems.Add($"missing tensor '{name}'");
                else if (!t.shape.SequenceEqual(p.shape)) problems.Add($"tensor '{name}' has shape [{string.Join(", ", t.shape)}], expected [{string.Join(", ", p.shape)}]");
            }
            problems.AddRange(tensors.Keys.Where(n => !expected.ContainsKey(n)).Select(n => $"unexpected tensor '{n}'"));
            if (problems.Count > 0) throw new InvalidDataException($"{path}: pooler weights do not match the {PoolerFactory.NameOf(pooler.Kind)} pooler:\n  " + string.Join("\n  ", problems));
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
