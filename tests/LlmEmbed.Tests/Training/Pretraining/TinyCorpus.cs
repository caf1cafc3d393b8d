using System.Text;
using LlmEmbed.Tokenization;

namespace LlmEmbed.Tests.Training.Pretraining;

/// <summary>
/// A few KB of regular synthetic English (a small grammar, so a tiny model can learn it in a few dozen steps)
/// written as blank-line-separated documents, plus a small byte-level BPE tokenizer trained on it.
/// </summary>
internal static class TinyCorpus
{
    private static readonly string[] Subjects = ["the cat", "a dog", "the old man", "my sister", "the small bird", "a child"];
    private static readonly string[] Verbs = ["sat on", "looked at", "ran to", "found", "liked", "walked past"];
    private static readonly string[] Objects = ["the mat", "a tall tree", "the house", "the river", "a red ball", "the garden"];

    /// <summary>Writes <paramref name="files"/> text files into <paramref name="dir"/>; returns each file's documents in order.</summary>
    public static List<(string File, List<string> Documents)> Write(string dir, int files = 2, int documentsPerFile = 60, int seed = 1)
    {
        Directory.CreateDirectory(dir);
        var rng = new Random(seed);
        var result = new List<(string, List<string>)>();
        int number = 0;
        for (int f = 0; f < files; f++)
        {
            var docs = new List<string>();
            for (int d = 0; d < documentsPerFile; d++)
            {
                var sb = new StringBuilder();
                int sentences = 1 + rng.Next(3);
                for (int s = 0; s < sentences; s++)
                {
                    if (s > 0) sb.Append(' ');
                    sb.Append(Subjects[rng.Next(Subjects.Length)]).Append(' ').Append(Verbs[rng.Next(Verbs.Length)]).Append(' ').Append(Objects[rng.Next(Objects.Length)]).Append('.');
                }
                // A unique tag makes every document distinct, so a document can be traced to one split.
                sb.Append(" story ").Append(number++).Append('.');
                docs.Add(sb.ToString());
            }
            string path = Path.Combine(dir, $"part{f}.txt");
            File.WriteAllText(path, string.Join("\n\n", docs) + "\n");
            result.Add((path, docs));
        }
        return result;
    }

    /// <summary>Trains a ~320-token byte-level BPE on the given documents and saves it into <paramref name="dir"/>.</summary>
    public static TextTokenizer TrainTokenizer(IEnumerable<string> documents, string dir, int vocabSize = 320)
    {
        var merges = new BpeTokenizerTrainer(vocabSize).Train(documents);
        BpeTokenizerTrainer.Save(dir, merges);
        return TextTokenizer.Load(dir);
    }
}
