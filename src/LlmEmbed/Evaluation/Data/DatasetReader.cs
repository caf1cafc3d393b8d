namespace LlmEmbed.Evaluation.Data;

/// <summary>
/// Readers for the layouts of <c>shared/data/README.md</c>. A split name may join several files with '+'
/// (e.g. <c>train+test</c>, read in that order and concatenated).
/// </summary>
public static class DatasetReader
{
    /// <summary><c>{folder}/{split}.jsonl</c> rows <c>{"sentence1", "sentence2", "score"}</c>.</summary>
    public static IReadOnlyList<StsPair> ReadSts(string folder, string split) =>
        ReadSplits(folder, split, path => JsonlFile.Read(path, (row, line) => new StsPair(
            JsonlFile.String(row, "sentence1", path, line),
            JsonlFile.String(row, "sentence2", path, line),
            JsonlFile.Number(row, "score", path, line))));

    /// <summary><c>{folder}/{split}.jsonl</c> rows <c>{"sentence1", "sentence2", "label": 0|1}</c>.</summary>
    public static IReadOnlyList<LabeledPair> ReadPairClassification(string folder, string split) =>
        ReadSplits(folder, split, path => JsonlFile.Read(path, (row, line) =>
        {
            int label = JsonlFile.Integer(row, "label", path, line);
            if (label is not (0 or 1)) throw new DatasetFormatException(path, line, $"field 'label' must be 0 or 1, got {label}");
            return new LabeledPair(JsonlFile.String(row, "sentence1", path, line), JsonlFile.String(row, "sentence2", path, line), label);
        }));

    /// <summary><c>{folder}/{split}.jsonl</c> rows <c>{"text", "label"}</c> (classification and clustering).</summary>
    public static IReadOnlyList<LabeledText> ReadLabeledTexts(string folder, string split) =>
        ReadSplits(folder, split, path => JsonlFile.Read(path, (row, line) => new LabeledText(
            JsonlFile.String(row, "text", path, line),
            JsonlFile.Label(row, "label", path, line))));

    /// <summary><c>{folder}/{split}.jsonl</c> rows <c>{"query", "positive": [...], "negative": [...]}</c>.</summary>
    public static IReadOnlyList<RerankingSample> ReadReranking(string folder, string split) =>
        ReadSplits(folder, split, path => JsonlFile.Read(path, (row, line) => new RerankingSample(
            JsonlFile.String(row, "query", path, line),
            JsonlFile.Strings(row, "positive", path, line),
            JsonlFile.Strings(row, "negative", path, line))));

    /// <summary>
    /// BEIR layout: <c>corpus.jsonl</c>, <c>queries.jsonl</c>, <c>qrels/{split}.tsv</c> (header
    /// <c>query-id corpus-id score</c>). Judgments naming an unknown query or document are dropped with a warning;
    /// only queries with at least one remaining judgment are returned.
    /// </summary>
    public static RetrievalDataset ReadRetrieval(string folder, string split)
    {
        RequireFolder(folder);
        string corpusPath = Path.Combine(folder, "corpus.jsonl");
        string queriesPath = Path.Combine(folder, "queries.jsonl");
        var corpus = JsonlFile.Read(corpusPath, (row, line) => new CorpusDocument(
            JsonlFile.String(row, "_id", corpusPath, line),
            row.TryGetProperty("title", out _) ? JsonlFile.String(row, "title", corpusPath, line, allowEmpty: true) : "",
            JsonlFile.String(row, "text", corpusPath, line, allowEmpty: true)));
        var queries = JsonlFile.Read(queriesPath, (row, line) => new RetrievalQuery(
            JsonlFile.String(row, "_id", queriesPath, line),
            JsonlFile.String(row, "text", queriesPath, line)));
        var docIds = UniqueIds(corpus.Select(d => d.Id), corpusPath);
        var queryIds = UniqueIds(queries.Select(q => q.Id), queriesPath);

        var warnings = new List<string>();
        var qrels = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        foreach (string part in SplitNames(split))
        {
            string qrelsPath = Path.Combine(folder, "qrels", part + ".tsv");
            if (!File.Exists(qrelsPath))
                throw new DatasetFormatException(qrelsPath, 0, $"split '{part}' not found (no qrels file{AvailableQrels(folder)})");
            ReadQrels(qrelsPath, docIds, queryIds, qrels, warnings);
        }
        if (qrels.Count == 0)
            throw new DatasetFormatException(Path.Combine(folder, "qrels", split + ".tsv"), 0, "no usable judgments in this split");
        var judgedQueries = queries.Where(q => qrels.ContainsKey(q.Id)).ToArray();
        var readOnly = qrels.ToDictionary(p => p.Key, p => (IReadOnlyDictionary<string, int>)p.Value, StringComparer.Ordinal);
        return new RetrievalDataset(corpus, judgedQueries, readOnly, warnings);
    }

    /// <summary>The split names available in a JSONL task folder (file stems of <c>*.jsonl</c>).</summary>
    public static IReadOnlyList<string> AvailableSplits(string folder) =>
        Directory.Exists(folder)
            ? Directory.GetFiles(folder, "*.jsonl").Select(p => Path.GetFileNameWithoutExtension(p)).Order(StringComparer.Ordinal).ToArray()
            : [];

    private static void ReadQrels(
        string path, HashSet<string> docIds, HashSet<string> queryIds,
        Dictionary<string, Dictionary<string, int>> qrels, List<string> warnings)
    {
        int lineNumber = 0, unknownDocs = 0, unknownQueries = 0, rows = 0;
        string? firstUnknown = null;
        foreach (string raw in File.ReadLines(path))
        {
            lineNumber++;
            string line = raw.TrimEnd('\r');
            if (line.Length == 0) continue;
            string[] fields = line.Split('\t');
            if (lineNumber == 1 && fields.Length >= 1 && fields[0] == "query-id") continue;
            if (fields.Length != 3)
                throw new DatasetFormatException(path, lineNumber, $"expected 3 tab-separated fields (query-id, corpus-id, score), got {fields.Length}");
            if (!int.TryParse(fields[2], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int grade))
                throw new DatasetFormatException(path, lineNumber, $"score '{fields[2]}' is not an integer");
            rows++;
            if (!queryIds.Contains(fields[0])) { unknownQueries++; firstUnknown ??= $"query '{fields[0]}' (line {lineNumber})"; continue; }
            if (!docIds.Contains(fields[1])) { unknownDocs++; firstUnknown ??= $"document '{fields[1]}' (line {lineNumber})"; continue; }
            if (!qrels.TryGetValue(fields[0], out var judged)) qrels[fields[0]] = judged = new Dictionary<string, int>(StringComparer.Ordinal);
            judged[fields[1]] = grade;
        }
        if (rows == 0) throw new DatasetFormatException(path, 0, "the qrels file holds no judgments");
        if (unknownQueries + unknownDocs > 0)
            warnings.Add($"{path}: dropped {unknownQueries} judgment(s) of unknown queries and {unknownDocs} of unknown documents (first: {firstUnknown})");
    }

    private static HashSet<string> UniqueIds(IEnumerable<string> ids, string path)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (string id in ids)
            if (!set.Add(id)) throw new DatasetFormatException(path, 0, $"id '{id}' appears more than once");
        return set;
    }

    private static List<T> ReadSplits<T>(string folder, string split, Func<string, List<T>> read)
    {
        RequireFolder(folder);
        var rows = new List<T>();
        foreach (string part in SplitNames(split))
        {
            string path = Path.Combine(folder, part + ".jsonl");
            if (!File.Exists(path))
            {
                var available = AvailableSplits(folder);
                throw new DatasetFormatException(path, 0,
                    $"split '{part}' not found (available: {(available.Count > 0 ? string.Join(", ", available) : "none")})");
            }
            rows.AddRange(read(path));
        }
        return rows;
    }

    private static string[] SplitNames(string split)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(split);
        string[] parts = split.Split('+', StringSplitOptions.TrimEntries);
        if (parts.Any(p => p.Length == 0 || p.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || p.Contains("..")))
            throw new ArgumentException($"invalid split name '{split}'", nameof(split));
        return parts;
    }

    private static void RequireFolder(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (!Directory.Exists(folder)) throw new DatasetFormatException(folder, 0, "dataset folder not found");
    }

    private static string AvailableQrels(string folder)
    {
        string qrels = Path.Combine(folder, "qrels");
        if (!Directory.Exists(qrels)) return "; the qrels folder is missing";
        var names = Directory.GetFiles(qrels, "*.tsv").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal);
        return "; available: " + string.Join(", ", names);
    }
}
