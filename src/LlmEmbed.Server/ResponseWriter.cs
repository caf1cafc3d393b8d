using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace LlmEmbed.Server;

/// <summary>Writes the two dialects' bodies: OpenAI's list/usage and error object, TEI's bare arrays and error.</summary>
public static class ResponseWriter
{
    public static async Task OpenAiEmbeddings(HttpResponse response, IReadOnlyList<float[]> vectors, bool base64, string model, int promptTokens)
    {
        response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(response.BodyWriter.AsStream());
        json.WriteStartObject();
        json.WriteString("object", "list");
        json.WriteStartArray("data");
        for (int i = 0; i < vectors.Count; i++)
        {
            json.WriteStartObject();
            json.WriteString("object", "embedding");
            json.WriteNumber("index", i);
            if (base64) json.WriteString("embedding", ToBase64(vectors[i]));
            else WriteFloats(json, "embedding", vectors[i]);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteString("model", model);
        json.WriteStartObject("usage");
        json.WriteNumber("prompt_tokens", promptTokens);
        json.WriteNumber("total_tokens", promptTokens);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    public static async Task TeiEmbeddings(HttpResponse response, IReadOnlyList<float[]> vectors)
    {
        response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(response.BodyWriter.AsStream());
        json.WriteStartArray();
        foreach (var v in vectors)
        {
            json.WriteStartArray();
            foreach (var x in v) json.WriteNumberValue(x);
            json.WriteEndArray();
        }
        json.WriteEndArray();
    }

    /// <summary>Little-endian float32 bytes, base64 — what OpenAI's clients decode.</summary>
    public static string ToBase64(float[] vector)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("base64 embeddings are little-endian float32");
        return Convert.ToBase64String(MemoryMarshal.AsBytes(vector.AsSpan()));
    }

    public static async Task OpenAiError(HttpResponse response, int status, string message, string? param, string? code)
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        string type = status switch
        {
            429 => "rate_limit_error",
            >= 500 => "server_error",
            _ => "invalid_request_error",
        };
        await using var json = new Utf8JsonWriter(response.BodyWriter.AsStream());
        json.WriteStartObject();
        json.WriteStartObject("error");
        json.WriteString("message", message);
        json.WriteString("type", type);
        if (param is null) json.WriteNull("param"); else json.WriteString("param", param);
        if (code is null) json.WriteNull("code"); else json.WriteString("code", code);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>TEI's error body: <c>{"error": message, "error_type": Validation | Overloaded | Unhealthy | Backend}</c>.</summary>
    public static async Task TeiError(HttpResponse response, int status, string message)
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        string type = status switch
        {
            429 => "Overloaded",
            503 => "Unhealthy",
            >= 500 => "Backend",
            _ => "Validation",
        };
        await using var json = new Utf8JsonWriter(response.BodyWriter.AsStream());
        json.WriteStartObject();
        json.WriteString("error", message);
        json.WriteString("error_type", type);
        json.WriteEndObject();
    }

    private static void WriteFloats(Utf8JsonWriter json, string name, float[] vector)
    {
        json.WriteStartArray(name);
        foreach (var x in vector) json.WriteNumberValue(x);
        json.WriteEndArray();
    }
}
