using System.Text;
using Microsoft.ML.Tokenizers;

namespace LlmEmbed.Tokenization;

/// <summary>Unicode normalisation (NFC for Qwen2's tokenizer.json) as a Microsoft.ML.Tokenizers normaliser, via <see cref="UnicodeNormalization"/>.</summary>
public sealed class UnicodeFormNormalizer(NormalizationForm form) : Normalizer
{
    public override string Normalize(string original) => UnicodeNormalization.Normalize(original, form);

    public override string Normalize(ReadOnlySpan<char> original) => UnicodeNormalization.Normalize(original.ToString(), form);
}
