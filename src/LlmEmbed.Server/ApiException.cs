namespace LlmEmbed.Server;

/// <summary>A request the server refuses: the HTTP status, a message for the client, and the request field at fault.</summary>
public sealed class ApiException(int status, string message, string? param = null, string? code = null) : Exception(message)
{
    public int Status { get; } = status;
    public string? Param { get; } = param;
    public string? Code { get; } = code;
}
