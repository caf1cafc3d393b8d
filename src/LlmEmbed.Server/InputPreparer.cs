using LlmEmbed.Embedding;

namespace LlmEmbed.Server;

/// <summary>
/// Turns a request's inputs into the token sequences the model embeds, enforcing the limits: inputs per request
/// (413), tokens per input (413, or truncation when asked), token ids in the vocabulary, prompt names known.
/// </summary>
public sealed class InputPreparer(ModelEncoder encoder, ServerOptions options)
{
    public int MaxInputTokens { get; } = options.MaxInputTokens ?? encoder.MaxLength;

    /// <param name="status">Status for invalid values: 400 (OpenAI) or 422 (TEI).</param>
    public List<TokenizedText> Prepare(EmbeddingRequest request, string field, int status)
    {
        if (request.Inputs.Count > options.MaxInputsPerRequest)
            throw new ApiException(413, $"'{field}' has {request.Inputs.Count} items, more than the limit of {options.MaxInputsPerRequest} per request", field);
        string? instruction = null;
        if (request.PromptName is { } name)
        {
            if (!options.Prompts.TryGetValue(name, out instruction))
                throw new ApiException(status, options.Prompts.Count == 0
                    ? $"no prompt named '{name}': the server was started without --prompt NAME=TEXT"
                    : $"no prompt named '{name}' (known: {string.Join(", ", options.Prompts.Keys)})", "prompt_name");
        }
        bool truncate = request.Truncate ?? options.AutoTruncate;
        var result = new List<TokenizedText>(request.Inputs.Count);
        for (int i = 0; i < request.Inputs.Count; i++)
        {
            var input = request.Inputs[i];
            result.Add(input.Text is { } text
                ? FromText(text, instruction, truncate, $"{field}[{i}]", status)
                : FromTokens(input.Tokens!, instruction, truncate, $"{field}[{i}]", status));
        }
        return result;
    }

    private TokenizedText FromText(string text, string? instruction, bool truncate, string field, int status)
    {
        if (!encoder.CanTokenize) throw new ApiException(status, "this model has no tokenizer; send token ids instead of text", field);
        var tokenized = encoder.Tokenize(text, instruction, int.MaxValue);
        if (tokenized.Ids.Count <= MaxInputTokens) return tokenized;
        if (!truncate) throw TooLong(field, tokenized.Ids.Count);
        return encoder.Tokenize(text, instruction, MaxInputTokens);
    }

    /// <summary>Token ids are the model's input as given, with EOS appended when missing (EOS is what the poolers expect last).</summary>
    private TokenizedText FromTokens(int[] tokens, string? instruction, bool truncate, string field, int status)
    {
        if (instruction is not null) throw new ApiException(status, "a prompt cannot be applied to token-id input; send text, or put the instruction's tokens in the ids", field);
        int vocab = encoder.VocabSize;
        for (int k = 0; k < tokens.Length; k++)
            if ((uint)tokens[k] >= (uint)vocab) throw new ApiException(status, $"'{field}[{k}]' = {tokens[k]} is not a token id of this model (0..{vocab - 1})", field);
        int eos = encoder.EosId;
        var ids = new List<int>(tokens.Length + 1);
        ids.AddRange(tokens);
        if (ids[^1] != eos) ids.Add(eos);
        if (ids.Count > MaxInputTokens)
        {
            if (!truncate) throw TooLong(field, ids.Count);
            ids.RemoveRange(MaxInputTokens - 1, ids.Count - (MaxInputTokens - 1));
            ids.Add(eos);
        }
        return new TokenizedText(ids, 0);
    }

    private ApiException TooLong(string field, int count) => new(413,
        $"'{field}' has {count} tokens, more than the limit of {MaxInputTokens}; shorten it, send truncate: true, or start the server with --auto-truncate",
        field, "input_too_long");
}
