using System.Buffers.Binary;
using System.Text;
using LlmEmbed.Embedding;
using LlmEmbed.Tests.Support;

namespace LlmEmbed.Tests.Embedding;

public class EmbeddingFilesTests
{
    [Fact]
    public void NpyHasTheNumpyHeaderAndLittleEndianFloats()
    {
        using var dir = TestPaths.NewTempDir();
        string path = dir.File("e.npy");
        NpyWriter.WriteFloat32(path, [[1f, -2.5f, 3f], [0.25f, 5f, 6f]]);
        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 }, bytes[..8]);
        int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
        Assert.Equal(0, (10 + headerLength) % 64);
        string header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.StartsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", header);
        Assert.EndsWith("\n", header);
        Assert.Equal(10 + headerLength + 6 * 4, bytes.Length);
        Assert.Equal(-2.5f, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(10 + headerLength + 4)));
        Assert.Equal(6f, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(bytes.Length - 4)));
        Assert.Throws<ArgumentException>(() => NpyWriter.WriteFloat32(dir.File("bad.npy"), [[1f], [1f, 2f]]));
    }

    [Fact]
    public void ReadsTextAndJsonlInputsAndWritesJsonl()
    {
        using var dir = TestPaths.NewTempDir();
        File.WriteAllText(dir.File("in.txt"), "first\n\nthird\n");
        Assert.Equal(["first", "", "third"], EmbeddingFiles.ReadTexts(dir.File("in.txt")));
        File.WriteAllText(dir.File("in.jsonl"), "{\"text\":\"a\",\"id\":1}\n\n{\"text\":\"b\\nc\"}\n");
        Assert.Equal(["a", "b\nc"], EmbeddingFiles.ReadTexts(dir.File("in.jsonl")));
        File.WriteAllText(dir.File("bad.jsonl"), "{\"text\":\"a\"}\n{\"title\":\"b\"}\n");
        var e = Assert.Throws<InvalidDataException>(() => EmbeddingFiles.ReadTexts(dir.File("bad.jsonl")));
        Assert.Contains("bad.jsonl:2", e.Message);

        EmbeddingFiles.WriteEmbeddings(dir.File("out.jsonl"), [[0.5f, -1f], [2f, 0.1f]], 2);
        var lines = File.ReadAllLines(dir.File("out.jsonl"));
        Assert.Equal(["{\"index\":0,\"embedding\":[0.5,-1]}", "{\"index\":1,\"embedding\":[2,0.1]}"], lines);
        Assert.Throws<ArgumentException>(() => EmbeddingFiles.WriteEmbeddings(dir.File("out.csv"), [[1f]], 1));
    }
}
