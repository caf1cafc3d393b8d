using System.Security.Cryptography;
using System.Text;
using LlmEmbed.Training;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;

namespace LlmEmbed.Experiments;

/// <summary>
/// An experiment file (YAML, snake_case; docs/experiments.md): the base model, training data and recipe shared by
/// all arms, the arms, the seeds and the evaluation tasks. The <c>training</c> block is a contrastive-training
/// config (docs/training.md) without <c>output</c>, <c>seed</c> and the model's path, pooling and attention, which
/// the runner sets per arm — so the arms differ only in their design.
/// </summary>
public sealed class ExperimentConfig
{
    public string Name { get; set; } = "experiment";
    public string BaseModel { get; set; } = "models/llm-embed-base";
    public List<long> Seeds { get; set; } = [42];
    public List<ExperimentArmConfig> Arms { get; set; } = [];
    public ExperimentEvaluationConfig Evaluation { get; set; } = new();

    /// <summary>
    /// Non-trainable lexical reference arms evaluated on the same tasks (<c>tfidf-word</c>, <c>tfidf-char</c>, <c>bm25</c>;
    /// all by default, <c>[]</c> for none): the floor shown beside the designs, never part of their tests.
    /// </summary>
    public List<string> References { get; set; } = [.. LlmEmbed.Evaluation.Lexical.LexicalReferences.All.Select(LlmEmbed.Evaluation.Lexical.LexicalReferences.Name)];

    /// <summary>The <c>training</c> block as YAML text (parsed by ContrastiveTrainingOptions per arm).</summary>
    [YamlIgnore] public string TrainingYaml { get; private set; } = "";

    /// <summary>The experiment file's full text (stored in the results database with its hash).</summary>
    [YamlIgnore] public string SourceText { get; private set; } = "";

    [YamlIgnore] public string Source { get; private set; } = "experiment";

    public string Hash => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(SourceText)))[..16].ToLowerInvariant();

    public static ExperimentConfig Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"experiment config not found: {path}", path);
        return Parse(File.ReadAllText(path), path);
    }

    public static ExperimentConfig Parse(string yaml, string source)
    {
        string training = "";
        var config = YamlConfig.Read(source, () =>
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
                throw new InvalidDataException($"{source}: the experiment file is empty or not a mapping");
            var known = new HashSet<string> { "name", "base_model", "seeds", "arms", "evaluation", "training", "references" };
            foreach (var key in root.Children.Keys.OfType<YamlScalarNode>())
                if (!known.Contains(key.Value!)) throw new InvalidDataException($"{source}:{key.Start.Line}: unknown key '{key.Value}' (expected {string.Join(", ", known)})");
            if (root.Children.TryGetValue(new YamlScalarNode("training"), out var t))
            {
                var doc = new YamlStream(new YamlDocument(t));
                var writer = new StringWriter();
                doc.Save(writer, assignAnchors: false);
                training = writer.ToString().TrimEnd('.', '\n', '\r', ' ');
            }
            // The keys were checked above; "training" stays text for ContrastiveTrainingOptions.
            return YamlConfig.LenientDeserializer.Deserialize<ExperimentConfig>(yaml) ?? new ExperimentConfig();
        });
        config.TrainingYaml = training;
        config.SourceText = yaml;
        config.Source = source;
        config.Validate();
        return config;
    }

    /// <summary>Checks the file before any work starts; every message names the option.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (Arms.Count == 0) errors.Add("arms: list at least one arm");
        if (Seeds.Count == 0) errors.Add("seeds: list at least one seed");
        if (Seeds.Distinct().Count() != Seeds.Count) errors.Add("seeds: seeds must be distinct");
        foreach (var arm in Arms)
        {
            if (arm.Preset is null && arm.Pooler is null) errors.Add($"arms: arm '{arm.Name}' needs a preset or a pooler");
            if (arm.Attention is not null and not ("causal" or "bidirectional")) errors.Add($"arms: arm '{arm.ResolvedName}': attention must be causal or bidirectional (got '{arm.Attention}')");
        }
        foreach (string reference in References)
            if (!LlmEmbed.Evaluation.Lexical.LexicalReferences.IsReferenceName(reference))
                errors.Add($"references: unknown reference '{reference}' (expected tfidf-word, tfidf-char or bm25)");
        if (References.Distinct().Count() != References.Count) errors.Add("references: references must be distinct");
        foreach (var arm in Arms.Where(a => LlmEmbed.Evaluation.Lexical.LexicalReferences.IsReferenceName(a.ResolvedName)))
            errors.Add($"arms: '{arm.ResolvedName}' is the name of a lexical reference arm; give the design another name");
        foreach (var dup in Arms.GroupBy(a => a.ResolvedName).Where(g => g.Count() > 1))
            errors.Add($"arms: name '{dup.Key}' is used by {dup.Count()} arms (give them distinct names)");
        if (Evaluation.BatchSize < 1) errors.Add("evaluation.batch_size must be >= 1");
        if (Evaluation.MaxLength < 2) errors.Add("evaluation.max_length must be >= 2");
        if (Evaluation.Instructions is not ("in-text" or "none")) errors.Add($"evaluation.instructions must be in-text or none (got '{Evaluation.Instructions}')");
        if (string.IsNullOrWhiteSpace(TrainingYaml)) errors.Add("training: the shared training recipe is missing");
        if (errors.Count > 0) throw new ArgumentException($"{Source}: invalid experiment:\n  " + string.Join("\n  ", errors));
    }
}
