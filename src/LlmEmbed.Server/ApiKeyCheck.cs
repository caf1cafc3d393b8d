using System.Security.Cryptography;
using System.Text;

namespace LlmEmbed.Server;

/// <summary>
/// Compares a presented key with the configured one in constant time: both are hashed (SHA-256) first, so neither
/// the content nor the length of the configured key shows in the comparison's timing.
/// </summary>
public sealed class ApiKeyCheck(string key)
{
    private readonly byte[] expected = SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>True when <paramref name="authorization"/> is <c>Bearer KEY</c> with the configured key.</summary>
    public bool Accepts(string? authorization)
    {
        const string scheme = "Bearer ";
        string presented = authorization is not null && authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
            ? authorization[scheme.Length..].Trim()
            : "";
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        return CryptographicOperations.FixedTimeEquals(hash, expected) & presented.Length > 0;
    }
}
