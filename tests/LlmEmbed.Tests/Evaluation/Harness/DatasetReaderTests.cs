using LlmEmbed.Evaluation;
using LlmEmbed.Evaluation.Data;
using LlmEmbed.Evaluation.Tasks;
using LlmEmbed.Tests.Support;

namespace LlmEmbed.Tests.Evaluation.Harness;

public class DatasetReaderTests
{
    [Fact]
    public void ReadsSharedLayouts()
    {
        var sts = DatasetReader.ReadSts(TestPaths.Data("sts", "STS12"), "test");
        Assert.Equal(3108, sts.Count);
        Assert.Equal(4.4, sts[0].Score);
        Assert.Equal(9927, DatasetReader.ReadSts(TestPaths.Data("sts", "SICK-R"), "train+test").Count);
        var reranking = DatasetReader.ReadReranking(TestPaths.Data("reranking", "WikiQA"), "test");
        Assert.Equal(237, reranking.Count);
        Assert.Equal(283, reranking.Sum(r => r.Positives.Count));
        var scifact = DatasetReader.ReadRetrieval(TestPaths.Data("retrieval", "SciFact"), "test");
        Assert.Equal(5183, scifact.Corpus.Count);
        Assert.Equal(339, scifact.Qrels.Values.Sum(q => q.Count));
        Assert.Equal(300, scifact.Queries.Count);
        Assert.Empty(scifact.Warnings);
    }

    [Fact]
    public void BadJsonNamesFileAndLine()
    {
        using var temp = TestPaths.NewTempDir();
        File.WriteAllText(temp.File("test.jsonl"), "{\"sentence1\": \"a\", \"sentence2\": \"b\", \"score\": 1.0}\n{\"sentence1\": \"a\", oops}\n");
        var error = Assert.Throws<DatasetFormatException>(() => DatasetReader.ReadSts(temp.Path, "test"));
        Assert.Equal(2, error.LineNumber);
        Assert.Contains("test.jsonl:2", error.Message);
        Assert.Contains("invalid JSON", error.Message);
    }

    [Fact]
    public void MissingFieldNamesFieldFileAndLine()
    {
        using var temp = TestPaths.NewTempDir();
        File.WriteAllText(temp.File("train.jsonl"), "{\"text\": \"hello\", \"label\": \"x\"}\n\n{\"text\": \"bye\"}\n");
        var error = Assert.Throws<DatasetFormatException>(() => DatasetReader.ReadLabeledTexts(temp.Path, "train"));
        Assert.Equal(3, error.LineNumber);
        Assert.Contains("'label'", error.Message);
        Assert.Contains("train.jsonl", error.Message);
    }

    [Fact]
    public void WrongTypesAreRejected()
    {
        using var temp = TestPaths.NewTempDir();
        File.WriteAllText(temp.File("test.jsonl"), "{\"sentence1\": \"a\", \"sentence2\": \"b\", \"label\": 2}\n");
        var error = Assert.Throws<DatasetFormatException>(() => DatasetReader.ReadPairClassification(temp.Path, "test"));
        Assert.Contains("0 or 1", error.Message);
        File.WriteAllText(temp.File("test.jsonl"), "{\"query\": \"q\", \"positive\": \"not a list\", \"negative\": []}\n");
        Assert.Contains("'positive'", Assert.Throws<DatasetFormatException>(() => DatasetReader.ReadReranking(temp.Path, "test")).Message);
    }

    [Fact]
    public void MissingSplitListsAvailableSplits()
    {
        using var temp = TestPaths.NewTempDir();
        File.WriteAllText(temp.File("test.jsonl"), "{\"text\": \"t\", \"label\": \"x\"}\n");
        var error = Assert.Throws<DatasetFormatException>(() => DatasetReader.ReadLabeledTexts(temp.Path, "dev"));
        Assert.Contains("'dev'", error.Message);
        Assert.Contains("available: test", error.Message);
        Assert.Throws<DatasetFormatException>(() => DatasetReader.ReadLabeledTexts(temp.File("nope"), "test"));
    }

    [Fact]
    public void EmptyFileIsAnError()
    {
        using var temp = TestPaths.NewTempDir();
        File.WriteAllText(temp.File("test.jsonl"), "\n  \n");
        var error = Assert.Throws<DatasetFormatException>(() => DatasetReader.ReadLabeledTexts(temp.Path, "test"));
        Assert.Contains("no rows", error.Message);
    }

    [Fact]
    public void QrelsWithUnknownIdsAreDroppedWithAWarning()
    {
        using var temp = WriteRetrieval("query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\tmissing-doc\t1\nq-unknown\td2\t2\nq2\td2\t0\n");
        var data = DatasetReader.ReadRetrieval(temp.Path, "test");
        Assert.Equal(["q1", "q2"], data.Queries.Select(q => q.Id));
        Assert.Equal(new Dictionary<string, int> { ["d1"] = 1 }, data.Qrels["q1"]);
        string warning = Assert.Single(data.Warnings);
        Assert.Contains("1 judgment(s) of unknown queries and 1 of unknown documents", warning);
        Assert.Contains("test.tsv", warning);
    }

    [Fact]
    public void BadQrelsLineAndMissingQrelsSplit()
    {
        using var temp = WriteRetrieval("query-id\tcorpus-id\tscore\nq1\td1\tone\n");
        var error = Assert.Throws<DatasetFormatException>(() => DatasetReader.ReadRetrieval(temp.Path, "test"));
        Assert.Equal(2, error.LineNumber);
        Assert.Contains("not an integer", error.Message);
        var missing = Assert.Throws<DatasetFormatException>(() => DatasetReader.ReadRetrieval(temp.Path, "dev"));
        Assert.Contains("available: test", missing.Message);
    }

    [Fact]
    public void DuplicateCorpusIdsAreRejected()
    {
        using var temp = WriteRetrieval("query-id\tcorpus-id\tscore\nq1\td1\t1\n");
        File.AppendAllText(temp.File("corpus.jsonl"), "{\"_id\": \"d1\", \"title\": \"\", \"text\": \"again\"}\n");
        Assert.Contains("'d1'", Assert.Throws<DatasetFormatException>(() => DatasetReader.ReadRetrieval(temp.Path, "test")).Message);
    }

    [Fact]
    public async Task LabelMissingFromTrainIsReportedAsWarning()
    {
        using var temp = TestPaths.NewTempDir();
        string folder = Path.Combine(temp.Path, "classification", "Toy");
        Directory.CreateDirectory(folder);
        File.WriteAllLines(Path.Combine(folder, "train.jsonl"),
            Enumerable.Range(0, 10).Select(i => $"{{\"text\": \"{(i % 2 == 0 ? "good fine great" : "bad awful poor")} {i}\", \"label\": \"{(i % 2 == 0 ? "pos" : "neg")}\"}}"));
        File.WriteAllLines(Path.Combine(folder, "test.jsonl"),
            ["{\"text\": \"good great\", \"label\": \"pos\"}", "{\"text\": \"awful bad\", \"label\": \"neg\"}", "{\"text\": \"meh\", \"label\": \"neutral\"}"]);
        var task = new TaskDefinition("Toy", TaskType.Classification, "Classification", "classification/Toy", "test", "train", "accuracy", null, SamplesPerLabel: 4);
        var evaluator = new MtebEvaluator(new TrigramEmbeddingGenerator(64), "toy", new MtebEvaluatorOptions { DataRoot = temp.Path, OutputFolder = temp.File("out"), CacheFolder = "" });

        var result = await evaluator.EvaluateTaskAsync(task);

        Assert.Contains(result.Warnings, w => w.Contains("missing from the train split") && w.Contains("neutral"));
        // "neutral" can never be predicted, so at most 2 of 3 test rows are right.
        Assert.InRange(result.MainScore, 0, 2.0 / 3 + 1e-12);
    }

    private static TempDir WriteRetrieval(string qrels)
    {
        var temp = TestPaths.NewTempDir();
        File.WriteAllText(temp.File("corpus.jsonl"), "{\"_id\": \"d1\", \"title\": \"T1\", \"text\": \"one\"}\n{\"_id\": \"d2\", \"title\": \"\", \"text\": \"two\"}\n");
        File.WriteAllText(temp.File("queries.jsonl"), "{\"_id\": \"q1\", \"text\": \"first\"}\n{\"_id\": \"q2\", \"text\": \"second\"}\n{\"_id\": \"q3\", \"text\": \"unjudged\"}\n");
        Directory.CreateDirectory(temp.File("qrels"));
        File.WriteAllText(Path.Combine(temp.File("qrels"), "test.tsv"), qrels);
        return temp;
    }
}
