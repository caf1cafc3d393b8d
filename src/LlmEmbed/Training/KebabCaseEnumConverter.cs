using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace LlmEmbed.Training;

/// <summary>
/// Reads and writes every enum in YAML by its kebab-case name (<c>latent-attention</c>, <c>bidirectional</c>), exactly
/// as the JSON configs spell them; a misspelt value is an error that names it and lists the valid ones.
/// </summary>
internal sealed class KebabCaseEnumConverter : IYamlTypeConverter
{
    public bool Accepts(Type type) => type.IsEnum || (Nullable.GetUnderlyingType(type)?.IsEnum ?? false);

    public object? ReadYaml(IParser parser, Type type, ObjectDeserializer rootDeserializer)
    {
        var scalar = parser.Consume<Scalar>();
        var enumType = Nullable.GetUnderlyingType(type) ?? type;
        if (Nullable.GetUnderlyingType(type) is not null && scalar.Value is "" or "~" or "null") return null;
        foreach (var name in Enum.GetNames(enumType))
        {
            if (string.Equals(Name(name), scalar.Value, StringComparison.OrdinalIgnoreCase) || string.Equals(name, scalar.Value, StringComparison.OrdinalIgnoreCase))
                return Enum.Parse(enumType, name);
        }
        throw new YamlException(scalar.Start, scalar.End,
            $"'{scalar.Value}' is not a valid value (expected {string.Join(", ", Enum.GetNames(enumType).Select(Name))})");
    }

    public void WriteYaml(IEmitter emitter, object? value, Type type, ObjectSerializer serializer) =>
        emitter.Emit(new Scalar(value is null ? "" : Name(value.ToString()!)));

    private static string Name(string member) => JsonNamingPolicy.KebabCaseLower.ConvertName(member);
}
