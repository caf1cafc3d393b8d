namespace LlmEmbed.Tokenization;

/// <summary>PLACEHOLDER: llama2.c tokenizer.bin (being written).</summary>
internal static class Llama2cTokenizer
{
    public static TextTokenizer Load(string path, TokenizerConfig config) => throw new NotSupportedException($"{path}: llama2.c tokenizer.bin loading is not implemented yet");
}
