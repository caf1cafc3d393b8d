using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace LlmEmbed.Checkpoints;

/// <summary>
/// Reads and writes the safetensors format: an 8-byte little-endian header length N, N bytes of JSON
/// (<c>{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}</c>), then the raw
/// little-endian tensor bytes. Every header field is validated before any data is read, and each tensor is read
/// straight from the file into its own storage, so a checkpoint is never held in managed memory twice.
/// </summary>
public static class SafeTensorsFile
{
    /// <summary>Headers above this size are rejected (the reference implementation uses 100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private static readonly (string Code, ScalarType Type, int Size)[] DTypes =
    [
        ("F64", ScalarType.Float64, 8), ("F32", ScalarType.Float32, 4), ("F16", ScalarType.Float16, 2), ("BF16", ScalarType.BFloat16, 2),
        ("I64", ScalarType.Int64, 8), ("I32", ScalarType.Int32, 4), ("I16", ScalarType.Int16, 2), ("I8", ScalarType.Int8, 1),
        ("U8", ScalarType.Byte, 1), ("BOOL", ScalarType.Bool, 1),
    ];

    /// <summary>Reads and validates the header only.</summary>
    public static SafeTensorsHeader ReadHeader(string path)
    {
        using var stream = OpenRead(path);
        return ReadHeader(stream, path);
    }

    /// <summary>
    /// Loads the tensors accepted by <paramref name="filter"/> (all by default) as CPU tensors. A floating-point tensor
    /// holding NaN or ±inf is refused with its name (a damaged file or a diverged run) unless <paramref name="allowNonFinite"/>.
    /// </summary>
    public static Dictionary<string, Tensor> Load(string path, Func<string, bool>? filter = null, bool allowNonFinite = false)
    {
        using var stream = OpenRead(path);
        var header = ReadHeader(stream, path);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var entry in header.Tensors.OrderBy(e => e.Begin))
            {
                if (filter != null && !filter(entry.Name)) continue;
                var t = empty(entry.Shape, dtype: entry.DType);
                result[entry.Name] = t;
                if (entry.ByteLength == 0) continue;
                stream.Seek(header.DataStart + entry.Begin, SeekOrigin.Begin);
                ReadInto(stream, t, entry.ByteLength, path, entry.Name);
                if (!allowNonFinite) RequireFinite(t, path, entry.Name);
            }
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        return result;
    }

    /// <summary>Throws when a floating-point tensor holds NaN or ±inf, naming the file, the tensor and the first bad element.</summary>
    public static void RequireFinite(Tensor t, string path, string name)
    {
        if (!t.is_floating_point() || t.numel() == 0) return;
        using var scope = NewDisposeScope();
        var bad = isfinite(t).logical_not_();
        long count = bad.sum().item<long>();
        if (count == 0) return;
        var first = bad.nonzero()[0].data<long>().ToArray();
        float value = t[first.Select(i => TensorIndex.Single(i)).ToArray()].to(ScalarType.Float32).item<float>();
        throw new InvalidDataException($"{path}: tensor '{name}' holds {count} non-finite value(s) (first: {value} at [{string.Join(", ", first)}]); the file is damaged or was saved from a diverged run");
    }

    private static unsafe void ReadInto(Stream stream, Tensor t, long length, string path, string name)
    {
        var span = t.bytes;
        if (span.Length != length) throw new InvalidDataException($"{path}: tensor '{name}': storage is {span.Length} bytes, header says {length}");
        fixed (byte* p = span)
        {
            // Spans are limited to 2 GiB; read large tensors in pieces.
            long done = 0;
            while (done < length)
            {
                int chunk = (int)Math.Min(1 << 30, length - done);
                int read = stream.ReadAtLeast(new Span<byte>(p + done, chunk), chunk, throwOnEndOfStream: false);
                if (read < chunk) throw new InvalidDataException($"{path}: tensor '{name}': file ends inside its data (truncated)");
                done += chunk;
            }
        }
    }

    /// <summary>
    /// Writes tensors (any device, contiguous or not) to <paramref name="path"/> atomically: into a temporary file,
    /// flushed to disk, then renamed over the target, so an interrupted save never leaves a broken file.
    /// </summary>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.ToList();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var meta = new JsonObject();
            foreach (var (k, v) in metadata) meta[k] = v;
            header["__metadata__"] = meta;
        }
        long offset = 0;
        foreach (var (name, t) in list)
        {
            if (name == "__metadata__" || !names.Add(name)) throw new ArgumentException($"duplicate or reserved tensor name '{name}'", nameof(tensors));
            var (code, size) = Code(t.dtype, name);
            long bytes = t.numel() * size;
            header[name] = new JsonObject
            {
                ["dtype"] = code,
                ["shape"] = new JsonArray(t.shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes),
            };
            offset += bytes;
        }
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8; // the data area starts 8-byte aligned (spaces pad the JSON)
        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        string tmp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                Span<byte> len = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)padded);
                stream.Write(len);
                stream.Write(json);
                for (int i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
                foreach (var (_, t) in list) WriteTensor(stream, t);
                stream.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            try { File.Delete(tmp); } catch (IOException) { }
            throw;
        }
    }

    private static unsafe void WriteTensor(Stream stream, Tensor t)
    {
        using var scope = NewDisposeScope();
        var c = t.detach().cpu().contiguous();
        if (c.numel() == 0) return;
        var span = c.bytes;
        fixed (byte* p = span)
        {
            long length = span.Length, done = 0;
            while (done < length)
            {
                int chunk = (int)Math.Min(1 << 30, length - done);
                stream.Write(new ReadOnlySpan<byte>(p + done, chunk));
                done += chunk;
            }
        }
    }

    private static (string Code, int Size) Code(ScalarType type, string name)
    {
        foreach (var d in DTypes) if (d.Type == type) return (d.Code, d.Size);
        throw new ArgumentException($"tensor '{name}': dtype {type} cannot be stored in safetensors");
    }

    private static FileStream OpenRead(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"safetensors file not found: {path}", path);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
    }

    private static SafeTensorsHeader ReadHeader(Stream stream, string path)
    {
        long fileLength = stream.Length;
        if (fileLength < 8) throw new InvalidDataException($"{path}: file is {fileLength} bytes, too short for a safetensors header");
        Span<byte> len = stackalloc byte[8];
        stream.ReadExactly(len);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(len);
        if (n > (ulong)(fileLength - 8)) throw new InvalidDataException($"{path}: header length {n} runs past the end of the file ({fileLength} bytes): truncated or not a safetensors file");
        if (n > MaxHeaderBytes) throw new InvalidDataException($"{path}: header length {n} exceeds the {MaxHeaderBytes}-byte limit");
        var json = new byte[n];
        stream.ReadExactly(json);
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(json);
            root = doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: header is not valid JSON: {e.Message}", e);
        }
        if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{path}: header is not a JSON object");
        long dataStart = 8 + (long)n, dataLength = fileLength - dataStart;
        var entries = new List<SafeTensorsEntry>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var prop in root.EnumerateObject())
        {
            string name = prop.Name;
            if (name == "__metadata__")
            {
                if (prop.Value.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{path}: __metadata__ must be an object of strings");
                foreach (var m in prop.Value.EnumerateObject())
                    metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()! : throw new InvalidDataException($"{path}: __metadata__ value '{m.Name}' is not a string");
                continue;
            }
            var v = prop.Value;
            if (v.ValueKind != JsonValueKind.Object || !v.TryGetProperty("dtype", out var dt) || !v.TryGetProperty("shape", out var sh) || !v.TryGetProperty("data_offsets", out var off))
                throw new InvalidDataException($"{path}: tensor '{name}': entry needs dtype, shape and data_offsets");
            string code = dt.ValueKind == JsonValueKind.String ? dt.GetString()! : "";
            int index = Array.FindIndex(DTypes, d => d.Code == code);
            if (index < 0) throw new InvalidDataException($"{path}: tensor '{name}': unknown dtype '{code}' (supported: {string.Join(", ", DTypes.Select(d => d.Code))})");
            if (sh.ValueKind != JsonValueKind.Array) throw new InvalidDataException($"{path}: tensor '{name}': shape is not an array");
            var shape = new long[sh.GetArrayLength()];
            int k = 0;
            foreach (var d in sh.EnumerateArray())
            {
                if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long dim) || dim < 0) throw new InvalidDataException($"{path}: tensor '{name}': shape has an invalid dimension {d}");
                shape[k++] = dim;
            }
            if (off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2 || !off[0].TryGetInt64(out long begin) || !off[1].TryGetInt64(out long end))
                throw new InvalidDataException($"{path}: tensor '{name}': data_offsets must be two integers");
            if (begin < 0 || end < begin || end > dataLength)
                throw new InvalidDataException($"{path}: tensor '{name}': data_offsets [{begin}, {end}] lie outside the data area of {dataLength} bytes (truncated file?)");
            long elements = 1;
            foreach (var d in shape) elements = checked(elements * d);
            long expected = checked(elements * DTypes[index].Size);
            if (expected != end - begin)
                throw new InvalidDataException($"{path}: tensor '{name}': shape [{string.Join(", ", shape)}] × {code} is {expected} bytes but data_offsets span {end - begin}");
            entries.Add(new SafeTensorsEntry(name, DTypes[index].Type, shape, begin, end));
        }
        var sorted = entries.Where(e => e.ByteLength > 0).OrderBy(e => e.Begin).ToList();
        for (int i = 1; i < sorted.Count; i++)
            if (sorted[i].Begin < sorted[i - 1].End)
                throw new InvalidDataException($"{path}: tensors '{sorted[i - 1].Name}' and '{sorted[i].Name}' overlap in the data area ([{sorted[i - 1].Begin}, {sorted[i - 1].End}) and [{sorted[i].Begin}, {sorted[i].End}))");
        long dataEnd = entries.Count == 0 ? 0 : entries.Max(e => e.End);
        if (dataEnd != dataLength)
            throw new InvalidDataException($"{path}: {dataLength - dataEnd} bytes follow the last tensor's data (the data area is {dataLength} bytes, the tensors end at {dataEnd}): the file is damaged or was appended to");
        return new SafeTensorsHeader(entries, metadata, dataStart);
    }
}
