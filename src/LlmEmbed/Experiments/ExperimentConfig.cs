using System.Security.Cryptography;
using System.Text;
using LlmEmbed.Training;
using LlmEmbed.Training.Contrastive;
using YamlDotNet.Serialization;

namespace LlmEmbed.Experiments;

/// <summary>
/// An experiment file (YAML, snake_case; docs/experiments.md): the base model, training data and recipe shared by
/// all arms, the arms, the seeds and the evaluation tasks. The <c>training</c> block is a contrastive-training
/// config (docs/training.md), read into the same typed object, without <c>output</c>, <c>seed</c>,
/// <c>model.base_model</c> and the model's design (preset, pooler kind, attention), which the runner sets per arm —
/// so the arms differ only in their design.
/// </summary>
public sealed class ExperimentConfig
{
    public string Name { get; set; } = "experiment";
    public string BaseModel { get; set; } = "models/llm-embed-base";
    public List<long> Seeds { get; set; } = [42];
    public List<ExperimentArmConfig> Arms { get; set; } = [];
    public ExperimentEvaluationConfig Evaluation { get; set; } = new();

    /// <summary>The shared training recipe (null when the file has no <c>training</c> block, which <see cref="Validate"/> rejects).</summary>
    public ContrastiveTrainingOptions? Training { get; set; }

    /// <summary>
    /// Non-trainable lexical reference arms evaluated on the same tasks (<c>tfidf-word</c>, <c>tfidf-char</c>, <c>bm25</c>;
    /// all by default, <c>[]</c> for none): the floor shown beside the designs, never part of their tests.
    /// </summary>
    public List<string> References { get; set; } = [.. LlmEmbed.Evaluation.Lexical.LexicalReferences.All.Select(LlmEmbed.Evaluation.Lexical.LexicalReferences.Name)];

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
        var config = YamlConfig.Deserialize<ExperimentConfig>(yaml, source);
        config.SourceText = yaml;
        config.Source = source;
        config.Validate();
        return config;
    }

    /// <summary>The training options of one run: the shared recipe with the arm's model, the seed and the output folder.</summary>
    public ContrastiveTrainingOptions ArmTraining(ExperimentArmConfig arm, long seed, string output)
    {
        var options = (Training ?? throw new InvalidOperationException("the experiment has no training block")).Clone();
        options.Output = output;
        options.Seed = seed;
        options.Model = arm.ModelConfig(options.Model, BaseModel);
        options.Validate();
        return options;
    }

    /// <summary>Checks the file before any work starts; every message names the option.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (Arms.Count == 0) errors.Add("arms: list at least one arm");
        if (Seeds.Count == 0) errors.Add("seeds: list at least one seed");
        if (Seeds.Distinct().Count() != Seeds.Count) errors.Add("seeds: seeds must be distinct");
        foreach (var arm in Arms)
            if (arm.Preset is null && arm.Pooler is null) errors.Add($"arms: arm '{arm.Name}' needs a preset or a pooler");
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
        if (Evaluation.Instructions is not ("model" or "in-text" or "none")) errors.Add($"evaluation.instructions must be model, in-text or none (got '{Evaluation.Instructions}')");
        if (Training is null) errors.Add("training: the shared training recipe is missing");
        else
        {
            var m = Training.Model;
            if (m.BaseModel is not null) errors.Add("training.model.base_model: set base_model at the top of the experiment (shared by every arm)");
            if (m.Preset is not null || m.AttentionIsSet || m.Pooler.KindIsSet || m.Pooler.InputIsSet)
                errors.Add("training.model: preset, attention, pooler.kind and pooler.input are the arms' design; set them in arms");
            foreach (var arm in Arms.Where(a => a.Preset is not null || a.Pooler is not null))
            {
                try { arm.ModelConfig(m, BaseModel); }
                catch (InvalidDataException e) { errors.Add(e.Message); }
            }
        }
        if (errors.Count > 0) throw new ArgumentException($"{Source}: invalid experiment:\n  " + string.Join("\n  ", errors));
    }
}
