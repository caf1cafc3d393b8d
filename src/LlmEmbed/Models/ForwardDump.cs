using LlmEmbed.Checkpoints;
using static TorchSharp.torch;

namespace LlmEmbed.Models;

/// <summary>
/// One forward pass of a single sequence written to a safetensors file (for <c>llm-embed forward</c>, and for comparing
/// against other implementations): <c>input_ids</c> int64 [T]; <c>hidden.0</c> … <c>hidden.L</c> float32 [T, hidden]
/// (HF <c>output_hidden_states</c>: 0 = embeddings, l = output of layer l, L = after the final norm);
/// <c>logits</c> float32 [T, vocab].
/// </summary>
public static class ForwardDump
{
    public static void Write(DecoderModel model, IReadOnlyList<int> ids, AttentionMode mode, string outputPath)
    {
        if (ids.Count == 0) throw new ArgumentException("forward needs at least one token", nameof(ids));
        foreach (int id in ids)
            if (id < 0 || id >= model.Config.VocabSize) throw new ArgumentException($"token id {id} is outside the vocabulary of {model.Config.VocabSize}", nameof(ids));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var input = tensor(ids.Select(i => (long)i).ToArray()).unsqueeze(0).to(model.OutputWeight.device);
        using var output = model.Forward(input, null, mode, computeLogits: true);
        var tensors = new List<KeyValuePair<string, Tensor>> { new("input_ids", input[0].cpu()) };
        for (int l = 0; l < output.HiddenStates.Count; l++)
            tensors.Add(new($"hidden.{l}", output.HiddenStates[l][0].to(ScalarType.Float32).cpu()));
        tensors.Add(new("logits", output.Logits![0].to(ScalarType.Float32).cpu()));
        SafeTensorsFile.Save(outputPath, tensors, new Dictionary<string, string>
        {
            ["attention"] = mode.ToString().ToLowerInvariant(),
            ["dtype"] = model.DType.ToString().ToLowerInvariant(),
        });
    }
}
