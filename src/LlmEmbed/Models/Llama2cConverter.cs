using LlmEmbed.Tokenization;

namespace LlmEmbed.Models;

/// <summary>Turns a llama2.c checkpoint + tokenizer into a Hugging Face model folder (config.json, model.safetensors, tokenizer files).</summary>
public static class Llama2cConverter
{
    public static DecoderConfig Convert(string checkpointPath, string tokenizerPath, string outputDir)
    {
        var (config, tensors) = Llama2cCheckpoint.Read(checkpointPath);
        try
        {
            var tokenizer = TextTokenizer.LoadFile(tokenizerPath);
            if (tokenizer.VocabSize != config.VocabSize)
                throw new InvalidDataException($"{tokenizerPath}: tokenizer has {tokenizer.VocabSize} tokens but {checkpointPath} has a vocabulary of {config.VocabSize}");
            using var model = new DecoderModel(config);
            model.LoadWeights(tensors, checkpointPath);
            model.Save(outputDir);
            tokenizer.SaveTo(outputDir);
            return config;
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }
}
