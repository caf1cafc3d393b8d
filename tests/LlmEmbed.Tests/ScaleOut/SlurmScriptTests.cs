using LlmEmbed.Experiments;
using LlmEmbed.Tests.Support;

namespace LlmEmbed.Tests.ScaleOut;

/// <summary>The sbatch scripts <c>experiment submit</c> writes (what <c>--dry-run</c> prints), without a cluster.</summary>
public class SlurmScriptTests
{
    [Fact]
    public void ArrayTaskIdIndexesTheArmRunsAndTheMergeRunsAlone()
    {
        using var tmp = TestPaths.NewTempDir();
        var config = ExperimentConfig.Parse("""
            name: two seeds
            seeds: [1, 2]
            arms: [{preset: eos-causal}, {name: "it's mine", pooler: mean, attention: bidirectional}]
            training: {max_steps: 1}
            """, "grid.yaml");
        var submission = new SlurmSubmission(config, tmp.File("out"),
            new SlurmOptions { Partition = "gpu", Time = "4:00:00", CpusPerTask = 8, Gres = "gpu:1", Launcher = "/opt/llm-embed" }, workingDirectory: tmp.Path);
        string array = submission.ArrayScript();
        Assert.Contains("#SBATCH --array=0-3\n", array);
        Assert.Contains("#SBATCH --partition=gpu\n", array);
        Assert.Contains("#SBATCH --time=4:00:00\n", array);
        Assert.Contains("#SBATCH --cpus-per-task=8\n", array);
        Assert.Contains("#SBATCH --gres=gpu:1\n", array);
        Assert.Contains("#SBATCH --requeue\n", array);
        Assert.Contains($"#SBATCH --output={tmp.File("out")}/logs/two-seeds-%A_%a.log\n", array);
        Assert.Contains($"#SBATCH --chdir={tmp.Path}\n", array);
        // Seeds outer, arms inner: task i runs Runs[i]; quoting keeps odd names one word.
        Assert.Contains("ARMS=(eos-causal 'it'\\''s mine' eos-causal 'it'\\''s mine')\n", array);
        Assert.Contains("SEEDS=(1 1 2 2)\n", array);
        Assert.Contains($"exec /opt/llm-embed experiment --config {tmp.File("out")}/experiment.yaml --output {tmp.File("out")} --arm \"${{ARMS[$i]}}\" --seed \"${{SEEDS[$i]}}\"", array);
        Assert.Equal(["eos-causal@seed1", "it's mine@seed1", "eos-causal@seed2", "it's mine@seed2"], new ExperimentRunner(config, "x").Runs.Select(r => r.Key));

        string merge = submission.MergeScript();
        Assert.Contains($"exec /opt/llm-embed experiment merge --output {tmp.File("out")}\n", merge);
        Assert.DoesNotContain("--array", merge);
        Assert.DoesNotContain("--gres", merge);

        // The scripts and the config copy land in the folder; a different experiment in the same folder is refused.
        submission.WriteScripts();
        Assert.Equal(config.SourceText, File.ReadAllText(tmp.File("out/experiment.yaml")));
        var other = ExperimentConfig.Parse("arms: [{preset: eos-causal}]\ntraining: {max_steps: 2}\n", "other.yaml");
        Assert.Throws<InvalidOperationException>(() => new SlurmSubmission(other, tmp.File("out")).WriteScripts());
    }
}
