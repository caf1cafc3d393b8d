using System.Text.Json;

namespace LlmEmbed.Server;

/// <summary>
/// Reads the JSON bodies of <c>POST /v1/embeddings</c> (OpenAI) and <c>POST /embed</c> (TEI) into an
/// <see cref="EmbeddingRequest"/>; every type error names the field. Unknown fields are ignored (as OpenAI's <c>user</c>).
/// </summary>
public static class RequestParser
{
    /// <param name="status">The status for a malformed field: 400 (OpenAI) or 422 (TEI).</param>
    public static EmbeddingRequest ParseOpenAi(JsonElement root, string servedModel, int status = 400)
    {
        RequireObject(root, status);
        if (!root.TryGetProperty("input", out var input)) throw new ApiException(status, "'input' is required", "input");
        if (root.TryGetProperty("model", out var model) && model.ValueKind != JsonValueKind.Null)
        {
            if (model.ValueKind != JsonValueKind.String) throw new ApiException(status, "'model' must be a string", "model");
            if (model.GetString() != servedModel)
                throw new ApiException(404, $"The model '{model.GetString()}' does not exist; this server serves '{servedModel}'", "model", "model_not_found");
        }
        bool base64 = OptionalString(root, "encoding_format", status) switch
        {
            null or "float" => false,
            "base64" => true,
            var other => throw new ApiException(status, $"'encoding_format' must be 'float' or 'base64', got '{other}'", "encoding_format"),
        };
        string? promptName = OptionalString(root, "prompt_name", status);
        string? inputType = OptionalString(root, "input_type", status);
        if (inputType is not null and not "query" and not "document")
            throw new ApiException(status, $"'input_type' must be 'query' or 'document', got '{inputType}'", "input_type");
        if (promptName is not null && inputType is not null)
            throw new ApiException(status, "give either 'prompt_name' or 'input_type', not both", "prompt_name");
        return new EmbeddingRequest
        {
            Inputs = ParseInputs(input, "input", allowTokens: true, status),
            PromptName = promptName ?? (inputType == "query" ? "query" : null),
            Dimensions = OptionalInt(root, "dimensions", status),
            Base64 = base64,
            Truncate = OptionalBool(root, "truncate", status),
        };
    }

    public static EmbeddingRequest ParseTei(JsonElement root)
    {
        const int status = 422;
        RequireObject(root, status);
        if (!root.TryGetProperty("inputs", out var inputs)) throw new ApiException(status, "'inputs' is required", "inputs");
        return new EmbeddingRequest
        {
            Inputs = ParseInputs(inputs, "inputs", allowTokens: true, status),
            PromptName = OptionalString(root, "prompt_name", status),
            Dimensions = OptionalInt(root, "dimensions", status),
            Truncate = OptionalBool(root, "truncate", status),
            Normalize = OptionalBool(root, "normalize", status) ?? true,
        };
    }

    private static void RequireObject(JsonElement root, int status)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new ApiException(status, $"the request body must be a JSON object, got {Describe(root)}");
    }

    /// <summary>A string, an array of strings, an array of token ids, or an array of arrays of token ids.</summary>
    private static List<EmbeddingInput> ParseInputs(JsonElement input, string field, bool allowTokens, int status)
    {
        switch (input.ValueKind)
        {
            case JsonValueKind.String:
                return [new EmbeddingInput(NonEmpty(input.GetString()!, field, status), null)];
            case JsonValueKind.Array:
                int n = input.GetArrayLength();
                if (n == 0) throw new ApiException(status, $"'{field}' must not be an empty array", field);
                var first = input[0];
                if (first.ValueKind == JsonValueKind.String)
                {
                    var texts = new List<EmbeddingInput>(n);
                    int i = 0;
                    foreach (var e in input.EnumerateArray())
                    {
                        if (e.ValueKind != JsonValueKind.String)
                            throw new ApiException(status, $"'{field}[{i}]' must be a string like the other items, got {Describe(e)}", field);
                        texts.Add(new EmbeddingInput(NonEmpty(e.GetString()!, $"{field}[{i}]", status), null));
                        i++;
                    }
                    return texts;
                }
                if (allowTokens && first.ValueKind == JsonValueKind.Number)
                    return [new EmbeddingInput(null, Tokens(input, field, status))];
                if (allowTokens && first.ValueKind == JsonValueKind.Array)
                {
                    var rows = new List<EmbeddingInput>(n);
                    int i = 0;
                    foreach (var e in input.EnumerateArray())
                    {
                        if (e.ValueKind != JsonValueKind.Array)
                            throw new ApiException(status, $"'{field}[{i}]' must be an array of token ids like the other items, got {Describe(e)}", field);
                        rows.Add(new EmbeddingInput(null, Tokens(e, $"{field}[{i}]", status)));
                        i++;
                    }
                    return rows;
                }
                throw new ApiException(status, $"'{field}' items must be strings or token ids, got {Describe(first)}", field);
            default:
                throw new ApiException(status, $"'{field}' must be a string, an array of strings or token ids, got {Describe(input)}", field);
        }
    }

    private static string NonEmpty(string text, string field, int status) =>
        text.Length > 0 ? text : throw new ApiException(status, $"'{field}' must not be an empty string", field);

    private static int[] Tokens(JsonElement array, string field, int status)
    {
        int n = array.GetArrayLength();
        if (n == 0) throw new ApiException(status, $"'{field}' must not be an empty token array", field);
        var ids = new int[n];
        int i = 0;
        foreach (var e in array.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt32(out ids[i]))
                throw new ApiException(status, $"'{field}[{i}]' must be an integer token id, got {Describe(e)}", field);
            i++;
        }
        return ids;
    }

    private static string? OptionalString(JsonElement root, string name, int status)
    {
        if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw new ApiException(status, $"'{name}' must be a string, got {Describe(v)}", name);
    }

    private static int? OptionalInt(JsonElement root, string name, int status)
    {
        if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int x) ? x : throw new ApiException(status, $"'{name}' must be an integer, got {Describe(v)}", name);
    }

    private static bool? OptionalBool(JsonElement root, string name, int status)
    {
        if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new ApiException(status, $"'{name}' must be true or false, got {Describe(v)}", name),
        };
    }

    private static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => e.ValueKind.ToString(),
    };
}
