using System.Text.Json;

namespace LlmEmbed.Evaluation.Tasks;

/// <summary>
/// The evaluation tasks, loaded from <c>Evaluation/tasks.json</c> (data, not code). The file is looked up next
/// to the application (<c>AppContext.BaseDirectory/Evaluation/tasks.json</c>, copied there by the build).
/// </summary>
public sealed class TaskRegistry
{
    /// <summary>Path of tasks.json relative to the application folder (and to <c>src/LlmEmbed</c> in the repository).</summary>
    public const string RelativePath = "Evaluation/tasks.json";

    public IReadOnlyList<TaskDefinition> Tasks { get; }

    public TaskRegistry(IReadOnlyList<TaskDefinition> tasks)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        var duplicate = tasks.GroupBy(t => t.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate != null) throw new ArgumentException($"task '{duplicate.Key}' is defined more than once", nameof(tasks));
        Tasks = tasks.ToArray();
    }

    /// <summary>Loads the registry from <paramref name="path"/>, or from the application folder when null.</summary>
    public static TaskRegistry Load(string? path = null)
    {
        path ??= Path.Combine(AppContext.BaseDirectory, RelativePath);
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"task registry {path} not found (it is copied next to the application by <None Include=\"Evaluation/tasks.json\" CopyToOutputDirectory=\"PreserveNewest\" /> in LlmEmbed.csproj)", path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses tasks.json text; <paramref name="source"/> names it in error messages.</summary>
    public static TaskRegistry Parse(string json, string source = "tasks.json")
    {
        JsonDocument document;
        try { document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
        catch (JsonException e) { throw new FormatException($"{source}: invalid JSON: {e.Message}", e); }
        using (document)
        {
            if (!document.RootElement.TryGetProperty("tasks", out var list) || list.ValueKind != JsonValueKind.Array)
                throw new FormatException($"{source}: expected an object with a 'tasks' array");
            var tasks = new List<TaskDefinition>();
            int index = 0;
            foreach (var item in list.EnumerateArray())
            {
                string where = $"{source}: tasks[{index++}]";
                string name = Required(item, "name", where);
                where += $" ({name})";
                TaskType type;
                try { type = TaskTypeNames.Parse(Required(item, "type", where)); }
                catch (ArgumentException e) { throw new FormatException($"{where}: {e.Message}", e); }
                int samplesPerLabel = 8;
                bool ignoreIdenticalIds = false;
                if (item.TryGetProperty("options", out var options) && options.ValueKind == JsonValueKind.Object)
                {
                    if (options.TryGetProperty("samples_per_label", out var spl) && (!spl.TryGetInt32(out samplesPerLabel) || samplesPerLabel < 1))
                        throw new FormatException($"{where}: options.samples_per_label must be a positive integer");
                    if (options.TryGetProperty("ignore_identical_ids", out var iii))
                    {
                        if (iii.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                            throw new FormatException($"{where}: options.ignore_identical_ids must be true or false");
                        if (type != TaskType.Retrieval) throw new FormatException($"{where}: options.ignore_identical_ids applies to retrieval tasks only");
                        ignoreIdenticalIds = iii.GetBoolean();
                    }
                }
                tasks.Add(new TaskDefinition(
                    name, type,
                    Required(item, "category", where),
                    Required(item, "path", where),
                    Required(item, "eval_split", where),
                    Optional(item, "train_split"),
                    Required(item, "main_score", where),
                    Optional(item, "instruction"),
                    samplesPerLabel,
                    Optional(item, "notes"),
                    ignoreIdenticalIds));
            }
            return new TaskRegistry(tasks);
        }
    }

    /// <summary>A task by name, or by its dataset folder name (e.g. <c>Banking77</c>), case-insensitively.</summary>
    public TaskDefinition Get(string name) =>
        Tasks.FirstOrDefault(t => string.Equals(t.Name, name.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? Tasks.FirstOrDefault(t => string.Equals(System.IO.Path.GetFileName(t.Path.TrimEnd('/')), name.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown task '{name}' (known: {string.Join(", ", Tasks.Select(t => t.Name))})", nameof(name));

    /// <summary>The named tasks plus every task of the given types, in registry order, without duplicates.</summary>
    public IReadOnlyList<TaskDefinition> Select(IEnumerable<string>? names, IEnumerable<TaskType>? types)
    {
        var wanted = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (string name in names ?? []) wanted.Add(Get(name).Name);
        var typeSet = (types ?? []).ToHashSet();
        var selected = Tasks.Where(t => wanted.Contains(t.Name) || typeSet.Contains(t.Type)).ToArray();
        if (selected.Length == 0) throw new ArgumentException("no task selected: give task names and/or task types");
        return selected;
    }

    private static string Required(JsonElement item, string field, string where)
    {
        if (!item.TryGetProperty(field, out var value) || value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
            throw new FormatException($"{where}: missing or empty string field '{field}'");
        return value.GetString()!;
    }

    private static string? Optional(JsonElement item, string field) =>
        item.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String && value.GetString()!.Length > 0 ? value.GetString() : null;
}
