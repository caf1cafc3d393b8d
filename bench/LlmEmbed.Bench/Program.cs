using System.Diagnostics;
using LlmEmbed.Models;
using LlmEmbed.Training;
using static TorchSharp.torch;

var dtype = args.Length > 0 && args[0] == "bf16" ? ScalarType.BFloat16 : ScalarType.Float32;
foreach (var (h, l, inter, heads, kv) in new[] { (256, 8, 768, 8, 2), (384, 6, 1024, 6, 2), (320, 8, 864, 5, 1) })
{
    var cfg = new DecoderConfig { HiddenSize = h, NumHiddenLayers = l, IntermediateSize = inter, NumAttentionHeads = heads, NumKeyValueHeadsRaw = kv, VocabSize = 32000, TieWordEmbeddings = true };
    using var model = DecoderModel.CreateRandom(cfg, 1, dtype);
    using var opt = new AdamW(model.named_parameters().Select(p => (p.name, p.parameter)), 0.1);
    int b = 16, t = 256;
    var ids = randint(0, 32000, new long[] { b, t + 1 });
    double Step()
    {
        using var scope = NewDisposeScope();
        var x = ids.narrow(1, 0, t); var y = ids.narrow(1, 1, t);
        using var o = model.Forward(x, null, AttentionMode.Causal, computeLogits: true);
        var loss = nn.functional.cross_entropy(o.Logits!.reshape(-1, 32000).to(ScalarType.Float32), y.reshape(-1));
        opt.ZeroGrad(); loss.backward(); opt.StepWith(1e-3);
        return loss.item<float>();
    }
    Step();
    var sw = Stopwatch.StartNew(); int n = 3;
    for (int i = 0; i < n; i++) Step();
    double tps = n * b * t / sw.Elapsed.TotalSeconds;
    Console.WriteLine($"{dtype} h{h} L{l} i{inter} params {cfg.ParameterCount / 1e6:F1}M: {tps:F0} tokens/s, ~{6.0 * cfg.ParameterCount * tps / 1e9:F0} GFLOP/s (6N)");
}
