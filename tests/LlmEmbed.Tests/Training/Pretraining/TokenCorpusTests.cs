using LlmEmbed.Tests.Support;
using LlmEmbed.Tokenization;
using LlmEmbed.Training.Pretraining;

namespace LlmEmbed.Tests.Training.Pretraining;

public class TokenCorpusTests
{
    private static List<long> ReadAll(string path, int width)
    {
        using var file = new TokenFile(path, width);
        var ids = new long[file.Count];
        file.Read(0, ids);
        return [.. ids];
    }

    /// <summary>Splits a token stream at EOS and decodes each document.</summary>
    private static List<string> DecodeDocuments(List<long> ids, TextTokenizer tokenizer)
    {
        var docs = new List<string>();
        var current = new List<int>();
        foreach (long id in ids)
        {
            if (id == tokenizer.EosId) { docs.Add(tokenizer.Decode(current)); current.Clear(); }
            else current.Add((int)id);
        }
        Assert.Empty(current); // every document ends with EOS
        return docs;
    }

    [Fact]
    public void DocumentsAreSplitAtBlankLines()
    {
        var docs = TokenCorpus.Documents(new StringReader("first line\nsecond line\n\n\nnext doc\n   \nlast")).ToList();
        Assert.Equal(["first line\nsecond line", "next doc", "last"], docs);
        Assert.Empty(TokenCorpus.Documents(new StringReader("\n\n  \n")));
    }

    [Fact]
    public void HeldOutDocumentsNeverAppearInTraining()
    {
        using var tmp = TestPaths.NewTempDir();
        var files = TinyCorpus.Write(tmp.File("corpus"));
        var all = files.SelectMany(f => f.Documents).ToList();
        var tokenizer = TinyCorpus.TrainTokenizer(all, tmp.File("tok"));
        string cache = tmp.File("cache");
        var info = TokenCorpus.Build(files.Select(f => f.File).ToList(), tokenizer, "tok", cache, validationFraction: 0.2);

        var train = DecodeDocuments(ReadAll(Path.Combine(cache, TokenCorpus.TrainFile), info.BytesPerToken), tokenizer);
        var validation = DecodeDocuments(ReadAll(Path.Combine(cache, TokenCorpus.ValidationFile), info.BytesPerToken), tokenizer);

        // Every document lands in exactly one split, and the splits are disjoint.
        Assert.Empty(train.Intersect(validation));
        Assert.Equal(all.Order(StringComparer.Ordinal), train.Concat(validation).Order(StringComparer.Ordinal));
        // Training keeps the corpus order (file by file, document by document).
        Assert.Equal(all.Where(d => !validation.Contains(d)), train);
        // About a fifth is held out (120 documents; the hash split is not exact).
        Assert.InRange(validation.Count, 10, 40);
        Assert.Equal(train.Count, info.TrainDocuments);
        Assert.Equal(validation.Count, info.ValidationDocuments);
        // Bytes count each document's UTF-8 plus one separator (what EOS stands for); tokens include the EOS.
        Assert.Equal(train.Sum(d => System.Text.Encoding.UTF8.GetByteCount(d) + 1L), info.TrainBytes);
        Assert.Equal(validation.Sum(d => System.Text.Encoding.UTF8.GetByteCount(d) + 1L), info.ValidationBytes);
        Assert.Equal(new FileInfo(Path.Combine(cache, TokenCorpus.TrainFile)).Length / info.BytesPerToken, info.TrainTokens);

        // The split depends only on the file name and position: listing the files in another order, into
        // another cache, holds out the same documents.
        var reversed = files.Select(f => f.File).Reverse().ToList();
        var again = TokenCorpus.Build(reversed, tokenizer, "tok", tmp.File("cache2"), 0.2);
        Assert.Equal(validation, DecodeDocuments(ReadAll(Path.Combine(tmp.File("cache2"), TokenCorpus.ValidationFile), again.BytesPerToken), tokenizer));

        // A zero fraction holds nothing out.
        var none = TokenCorpus.Build(files.Select(f => f.File).ToList(), tokenizer, "tok", tmp.File("cache3"), 0);
        Assert.Equal(0, none.ValidationTokens);
        Assert.Equal(all.Count, none.TrainDocuments);
    }

    [Fact]
    public void PackingPutsEveryTokenInExactlyOneSequence()
    {
        using var tmp = TestPaths.NewTempDir();
        var files = TinyCorpus.Write(tmp.File("corpus"), files: 1, documentsPerFile: 30);
        var tokenizer = TinyCorpus.TrainTokenizer(files[0].Documents, tmp.File("tok"));
        var info = TokenCorpus.Build([files[0].File], tokenizer, "tok", tmp.File("cache"), 0);
        string path = Path.Combine(tmp.File("cache"), TokenCorpus.TrainFile);
        var stream = ReadAll(path, info.BytesPerToken);

        using var tokens = new TokenFile(path, info.BytesPerToken);
        const int length = 7; // does not divide the stream: the last sequence is short
        var packed = new PackedSequences(tokens, length);
        Assert.NotEqual(0, stream.Count % length);
        Assert.Equal((stream.Count + length - 1) / length, packed.Count);

        // Reading the sequences in index order gives back the whole stream, each token once.
        var concatenated = new List<long>();
        var buffer = new long[length];
        for (long i = 0; i < packed.Count; i++)
        {
            int n = packed.Read(i, buffer);
            Assert.Equal(i < packed.Count - 1 ? length : stream.Count % length, n);
            concatenated.AddRange(buffer[..n]);
        }
        Assert.Equal(stream, concatenated);

        // Each epoch of the shuffled order visits every sequence exactly once; epochs differ; the order is a
        // function of the seed only (a fresh instance, as after a resume, gives the same order).
        long[] Epoch(PackedSequences p, long epoch, long seed) =>
            Enumerable.Range(0, (int)p.Count).Select(k => p.IndexAt(epoch * p.Count + k, seed)).ToArray();
        var epoch0 = Epoch(packed, 0, 42);
        var epoch1 = Epoch(packed, 1, 42);
        Assert.Equal(Enumerable.Range(0, (int)packed.Count).Select(k => (long)k), epoch0.Order());
        Assert.Equal(Enumerable.Range(0, (int)packed.Count).Select(k => (long)k), epoch1.Order());
        Assert.NotEqual(epoch0, epoch1);
        Assert.NotEqual(Enumerable.Range(0, (int)packed.Count).Select(k => (long)k), epoch0);
        using var reopened = new TokenFile(path, info.BytesPerToken);
        Assert.Equal(epoch1, Epoch(new PackedSequences(reopened, length), 1, 42));
        Assert.NotEqual(epoch0, Epoch(packed, 0, 43));

        Assert.Throws<ArgumentOutOfRangeException>(() => new PackedSequences(tokens, 1));
    }

    [Fact]
    public void CacheIsReusedAndRebuiltWhenItsInputsChange()
    {
        using var tmp = TestPaths.NewTempDir();
        var files = TinyCorpus.Write(tmp.File("corpus"), files: 2, documentsPerFile: 20);
        var tokenizer = TinyCorpus.TrainTokenizer(files.SelectMany(f => f.Documents), tmp.File("tok"));
        var paths = files.Select(f => f.File).ToList();
        string cache = tmp.File("cache");
        var messages = new List<string>();

        var first = TokenCorpus.Build(paths, tokenizer, "tok-a", cache, 0.1, messages.Add);
        var trainFile = new FileInfo(Path.Combine(cache, TokenCorpus.TrainFile));
        var writtenAt = trainFile.LastWriteTimeUtc;
        messages.Clear();

        var second = TokenCorpus.Build(paths, tokenizer, "tok-a", cache, 0.1, messages.Add);
        Assert.Equal(first, second with { Files = first.Files });
        Assert.Equal(first.Files, second.Files);
        Assert.Contains(messages, m => m.Contains("up to date"));
        Assert.Equal(writtenAt, new FileInfo(trainFile.FullName).LastWriteTimeUtc);

        // A changed file (new size and time) rebuilds the cache with the new text.
        File.AppendAllText(paths[1], "\nthe cat found the extra document here.\n");
        messages.Clear();
        var third = TokenCorpus.Build(paths, tokenizer, "tok-a", cache, 0.1, messages.Add);
        Assert.DoesNotContain(messages, m => m.Contains("up to date"));
        Assert.NotEqual(first.Key, third.Key);
        Assert.Equal(first.TrainDocuments + first.ValidationDocuments + 1, third.TrainDocuments + third.ValidationDocuments);

        // So do another tokenizer and another validation fraction.
        Assert.NotEqual(third.Key, TokenCorpus.Build(paths, tokenizer, "tok-b", cache, 0.1).Key);
        var otherFraction = TokenCorpus.Build(paths, tokenizer, "tok-b", cache, 0.5);
        Assert.True(otherFraction.ValidationDocuments > third.ValidationDocuments);
        // The rebuilt cache on disk matches its description.
        Assert.Equal(otherFraction.TrainTokens * otherFraction.BytesPerToken, new FileInfo(trainFile.FullName).Length);
    }

    [Fact]
    public void BadCorpusInputsAreRejected()
    {
        using var tmp = TestPaths.NewTempDir();
        var files = TinyCorpus.Write(tmp.File("corpus"), files: 1, documentsPerFile: 10);
        var tokenizer = TinyCorpus.TrainTokenizer(files[0].Documents, tmp.File("tok"));
        var missing = Assert.Throws<FileNotFoundException>(() => TokenCorpus.Build([tmp.File("nope.txt")], tokenizer, "t", tmp.File("c"), 0.1));
        Assert.Contains("nope.txt", missing.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => TokenCorpus.Build([files[0].File], tokenizer, "t", tmp.File("c"), 1.0));
        File.WriteAllText(tmp.File("empty.txt"), "\n\n");
        Assert.Throws<InvalidDataException>(() => TokenCorpus.Build([tmp.File("empty.txt")], tokenizer, "t", tmp.File("c"), 0.1));
    }

    [Fact]
    public void TokenFileRoundTripsBothWidths()
    {
        using var tmp = TestPaths.NewTempDir();
        int[] ids = [0, 1, 255, 256, 65535];
        foreach (int width in new[] { 2, 4 })
        {
            string path = tmp.File($"w{width}.tokens");
            using (var s = File.Create(path))
            {
                TokenFile.Write(s, ids, width);
                if (width == 4) TokenFile.Write(s, [70000, int.MaxValue], width);
            }
            using var file = new TokenFile(path, width);
            var back = new long[file.Count];
            file.Read(0, back);
            Assert.Equal(width == 2 ? ids.Select(i => (long)i) : ids.Select(i => (long)i).Concat([70000L, int.MaxValue]), back);
            Assert.Throws<ArgumentOutOfRangeException>(() => file.Read(file.Count - 1, new long[2]));
        }
        using (var s = new MemoryStream())
            Assert.Throws<ArgumentOutOfRangeException>(() => TokenFile.Write(s, [65536], 2));

        File.WriteAllBytes(tmp.File("odd.tokens"), [1, 2, 3]);
        var corrupt = Assert.Throws<InvalidDataException>(() => new TokenFile(tmp.File("odd.tokens"), 2));
        Assert.Contains("odd.tokens", corrupt.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenFile(tmp.File("odd.tokens"), 3));
    }
}
