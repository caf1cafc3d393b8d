namespace LlmEmbed.Server;

/// <summary>Settings of <c>llm-embed serve</c>; each is validated once by <see cref="Validate"/>.</summary>
public sealed record ServerOptions
{
    /// <summary>The name clients pass as <c>model</c>; requests naming another model get 404.</summary>
    public string ModelName { get; init; } = "llm-embed";

    /// <summary>Address to listen on (127.0.0.1 by default; 0.0.0.0 in a container).</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>TCP port; 0 picks a free one (tests).</summary>
    public int Port { get; init; } = 8080;

    /// <summary>When set, every route except <c>/health</c> needs <c>Authorization: Bearer KEY</c>.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Padded tokens (rows × longest row) per forward pass: the dynamic batcher's budget.</summary>
    public int MaxBatchTokens { get; init; } = 16384;

    /// <summary>Requests admitted at once (queued or running); one more is answered 429.</summary>
    public int MaxConcurrentRequests { get; init; } = 512;

    /// <summary>Tokens per input (including BOS/EOS); null = the model's max_length.</summary>
    public int? MaxInputTokens { get; init; }

    /// <summary>Truncate over-long inputs instead of answering 413 (TEI's <c>--auto-truncate</c>).</summary>
    public bool AutoTruncate { get; init; }

    /// <summary>Inputs per request.</summary>
    public int MaxInputsPerRequest { get; init; } = 2048;

    /// <summary>Request body size in bytes (2 MiB, as TEI's default payload limit).</summary>
    public long MaxRequestBodyBytes { get; init; } = 2 * 1024 * 1024;

    /// <summary>Named instructions (<c>--prompt query=...</c>); a request's <c>prompt_name</c> or <c>input_type</c> picks one.</summary>
    public IReadOnlyDictionary<string, string> Prompts { get; init; } = new Dictionary<string, string>();

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ModelName)) throw new ArgumentException("--model-name must not be empty");
        if (Port is < 0 or > 65535) throw new ArgumentException($"--port must be in 0..65535, got {Port}");
        if (ApiKey is { Length: 0 }) throw new ArgumentException("--api-key must not be empty");
        if (MaxBatchTokens < 2) throw new ArgumentException($"--max-batch-tokens must be at least 2, got {MaxBatchTokens}");
        if (MaxConcurrentRequests < 1) throw new ArgumentException($"--max-concurrent-requests must be positive, got {MaxConcurrentRequests}");
        if (MaxInputTokens is < 2) throw new ArgumentException($"--max-input-tokens must be at least 2 (text + EOS), got {MaxInputTokens}");
        if (MaxInputsPerRequest < 1) throw new ArgumentException($"--max-inputs must be positive, got {MaxInputsPerRequest}");
        if (MaxRequestBodyBytes < 1024) throw new ArgumentException($"--max-body-bytes must be at least 1024, got {MaxRequestBodyBytes}");
        foreach (var (name, text) in Prompts)
        {
            if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("--prompt: the name before '=' must not be empty");
            if (string.IsNullOrEmpty(text)) throw new ArgumentException($"--prompt {name}: the instruction after '=' must not be empty");
        }
    }

    /// <summary>Parses <c>NAME=TEXT</c> pairs (the text may contain '='; <c>\n</c> stands for a newline).</summary>
    public static Dictionary<string, string> ParsePrompts(IEnumerable<string> pairs)
    {
        var prompts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0) throw new ArgumentException($"--prompt '{pair}': expected NAME=TEXT");
            string name = pair[..eq].Trim();
            if (!prompts.TryAdd(name, pair[(eq + 1)..].Replace("\\n", "\n", StringComparison.Ordinal)))
                throw new ArgumentException($"--prompt {name} is given twice");
        }
        return prompts;
    }
}
