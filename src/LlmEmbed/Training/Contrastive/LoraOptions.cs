namespace LlmEmbed.Training.Contrastive;

/// <summary>
/// LoRA adapter settings for the model side (the study's: rank 16, alpha 32, dropout 0.1 on all seven
/// projections of every decoder layer). The trainer only carries them; the embedding model applies them.
/// </summary>
public sealed class LoraOptions
{
    public bool Enabled { get; set; } = true;
    public int R { get; set; } = 16;
    public double Alpha { get; set; } = 32;
    public double Dropout { get; set; } = 0.1;
    public List<string> TargetModules { get; set; } = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];
}
