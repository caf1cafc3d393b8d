using System.Text;
using Microsoft.ML.Tokenizers;

namespace LlmEmbed.Tokenization;

/// <summary>Unicode normalisation (NFC for Qwen2's tokenizer.json) as a Microsoft.ML.Tokenizers normaliser.</summary>
public sealed class UnicodeFormNormalizer(NormalizationForm form) : Normalizer
{
    public override string Normalize(string original) => original.Normalize(form);

    public override string Normalize(ReadOnlySpan<char> original) => original.ToString().Normalize(form);
}
