using System.Text;

namespace LlmEmbed.Embedding;

/// <summary>Joins the outputs of <c>embed --shard I/N</c> into one file equal to an unsharded <c>embed</c>.</summary>
public static class EmbeddingShards
{
    /// <summary>
    /// Checks that the shard files cover one input exactly once (same input hash, N, batch size and dimension; every
    /// shard 0..N−1 present once; every text in exactly one shard; each file holding the rows its sidecar lists) and
    /// writes all rows in input order to <paramref name="output"/> (<c>.npy</c> or <c>.jsonl</c>, the shards' format).
    /// </summary>
    /// <returns>The number of rows written.</returns>
    public static int Merge(IReadOnlyList<string> shardFiles, string output)
    {
        if (shardFiles.Count == 0) throw new ArgumentException("embed merge: no shard files given");
        string extension = Path.GetExtension(output).ToLowerInvariant();
        if (extension is not (".npy" or ".jsonl")) throw new ArgumentException($"--output {output}: extension must be .npy or .jsonl");
        var shards = new List<(string File, EmbeddingShard Shard)>();
        foreach (var file in shardFiles)
        {
            if (!File.Exists(file)) throw new FileNotFoundException($"shard file not found: {file}", file);
            if (!string.Equals(Path.GetExtension(file), extension, StringComparison.OrdinalIgnoreCase))
                throw new ArgumentException($"{file}: a {Path.GetExtension(file)} shard cannot merge into {extension} output");
            shards.Add((file, EmbeddingShard.ReadSidecar(file)));
        }
        var first = shards[0].Shard;
        foreach (var (file, s) in shards)
        {
            if (s.InputSha256 != first.InputSha256 || s.Total != first.Total)
                throw new InvalidDataException($"{file}: shard of another input (sha256 {s.InputSha256[..12]}…, {s.Total} texts) than {shards[0].File} (sha256 {first.InputSha256[..12]}…, {first.Total} texts)");
            if (s.Count != first.Count) throw new InvalidDataException($"{file}: shard {s.Index}/{s.Count}, but {shards[0].File} is one of {first.Count}");
            if (s.BatchSize != first.BatchSize) throw new InvalidDataException($"{file}: batch size {s.BatchSize}, {shards[0].File} used {first.BatchSize} (the shards must share one plan)");
            if (s.Dimension != first.Dimension) throw new InvalidDataException($"{file}: dimension {s.Dimension}, {shards[0].File} has {first.Dimension}");
        }
        var duplicated = shards.GroupBy(s => s.Shard.Index).Where(g => g.Count() > 1)
            .Select(g => $"shard {g.Key} given {g.Count()} times ({string.Join(", ", g.Select(x => x.File))})").ToList();
        var missing = Enumerable.Range(0, first.Count).Except(shards.Select(s => s.Shard.Index)).ToList();
        if (duplicated.Count > 0 || missing.Count > 0)
            throw new InvalidDataException("embed merge: " + string.Join("; ", duplicated.Concat(missing.Count > 0 ? [$"missing shard(s) {string.Join(", ", missing)} of {first.Count}"] : [])));

        // Every input position exactly once across the shards.
        var owner = new int[first.Total];
        Array.Fill(owner, -1);
        foreach (var (file, s) in shards)
            foreach (int i in s.Indices)
            {
                if (i < 0 || i >= first.Total) throw new InvalidDataException($"{file}: row index {i} outside the input's {first.Total} texts");
                if (owner[i] >= 0) throw new InvalidDataException($"{file}: text {i} is also in shard {owner[i]}");
                owner[i] = s.Index;
            }
        int uncovered = Array.IndexOf(owner, -1);
        if (uncovered >= 0) throw new InvalidDataException($"embed merge: text {uncovered} is in no shard");

        if (extension == ".npy")
        {
            var rows = new float[first.Total][];
            foreach (var (file, s) in shards)
            {
                var part = NpyReader.ReadFloat32(file);
                if (part.Length != s.Indices.Count) throw new InvalidDataException($"{file}: {part.Length} rows, its sidecar lists {s.Indices.Count}");
                for (int k = 0; k < part.Length; k++) rows[s.Indices[k]] = part[k];
            }
            NpyWriter.WriteFloat32(output, rows, first.Dimension);
            return rows.Length;
        }
        // .jsonl rows carry their input position ("index"): the merged file is all rows by position.
        var lines = new string[first.Total];
        foreach (var (file, s) in shards)
        {
            var part = File.ReadAllLines(file, Encoding.UTF8).Where(l => l.Length > 0).ToList();
            if (part.Count != s.Indices.Count) throw new InvalidDataException($"{file}: {part.Count} rows, its sidecar lists {s.Indices.Count}");
            for (int k = 0; k < part.Count; k++) lines[s.Indices[k]] = part[k];
        }
        string tmp = Path.GetFullPath(output) + ".tmp";
        using (var writer = new StreamWriter(tmp, false, new UTF8Encoding(false)))
            foreach (var line in lines) writer.Write(line + "\n");
        File.Move(tmp, output, overwrite: true);
        return lines.Length;
    }
}
