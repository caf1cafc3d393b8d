using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace LlmEmbed.Training;

/// <summary>
/// The YAML conventions every config file shares (training, pretraining, experiments): snake_case keys, unknown keys
/// are errors, enums are kebab-case names (as in the JSON configs; a misspelt value is an error naming it), and a YAML error becomes an <see cref="InvalidDataException"/> that starts with <c>file:line:col:</c>.
/// </summary>
internal static class YamlConfig
{
    /// <summary>Unknown keys are errors. Read-only list properties (shared with the JSON configs) are filled with a List.</summary>
    public static readonly IDeserializer Deserializer = Builder().Build();

    /// <summary>For a file whose caller checks the keys itself (e.g. to keep a block as text).</summary>
    public static readonly IDeserializer LenientDeserializer = Builder().IgnoreUnmatchedProperties().Build();

    public static readonly ISerializer Serializer = new SerializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .WithTypeConverter(new KebabCaseEnumConverter())
        .DisableAliases()
        .ConfigureDefaultValuesHandling(DefaultValuesHandling.OmitNull)
        .Build();

    /// <summary>Deserializes <paramref name="yaml"/> (an empty document gives a default <typeparamref name="T"/>).</summary>
    public static T Deserialize<T>(string yaml, string source) where T : new() =>
        Read(source, () => Deserializer.Deserialize<T>(yaml) ?? new T());

    /// <summary>Runs <paramref name="read"/>, turning a YAML error into "source:line:col: message".</summary>
    public static T Read<T>(string source, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (YamlException e)
        {
            throw new InvalidDataException($"{source}:{e.Start.Line}:{e.Start.Column}: {e.InnerException?.Message ?? e.Message}", e);
        }
    }

    private static DeserializerBuilder Builder() => new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .WithTypeConverter(new KebabCaseEnumConverter())
        .WithTypeMapping<IReadOnlyList<string>, List<string>>();
}
