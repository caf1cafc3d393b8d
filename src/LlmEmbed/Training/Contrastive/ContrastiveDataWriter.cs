using System.Text.Json;

namespace LlmEmbed.Training.Contrastive;

/// <summary>Writes rows in the training JSONL format (<c>query</c>, <c>positive</c>, <c>negative</c>, and <c>instruction</c> when set), atomically.</summary>
public static class ContrastiveDataWriter
{
    public static void Write(string path, IEnumerable<ContrastiveExample> rows)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir != null) Directory.CreateDirectory(dir);
        string tmp = path + ".tmp";
        using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write))
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            foreach (var r in rows)
            {
                writer.WriteStartObject();
                writer.WriteString("query", r.Query);
                writer.WriteString("positive", r.Positive);
                if (r.Negative is null) writer.WriteNull("negative"); else writer.WriteString("negative", r.Negative);
                if (r.Instruction is not null) writer.WriteString("instruction", r.Instruction);
                writer.WriteEndObject();
                writer.Flush();
                stream.WriteByte((byte)'\n');
                writer.Reset();
            }
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
    }
}
