using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace LlmEmbed.Experiments;

/// <summary>
/// The experiment's results database (<c>results.sqlite</c>): experiment config, arms, per-task scores and training
/// loss. Every write is an upsert keyed by its natural key, so a runner can be re-run after a crash and simply skip
/// what <see cref="IsArmTrained"/> / <see cref="HasScore"/> report as done.
/// </summary>
/// <remarks>
/// Schema (version 1):
/// <c>experiment(id=1, config_text, config_hash, software_versions, created_utc)</c>;
/// <c>arms(name PK, config_json, status, checkpoint_path, train_seconds, updated_utc)</c>;
/// <c>task_scores(arm, task, seed_key, seed, category, split, main_score, metrics_json, eval_seconds, updated_utc;
/// PK(arm, task, seed_key))</c> where seed_key is the seed as text or '' for none (SQLite primary keys treat NULLs as
/// distinct, which would break the upsert);
/// <c>training_metrics(arm, step, loss; PK(arm, step))</c>.
/// One connection per store, not shared between threads.
/// </remarks>
public sealed class ResultsStore : IDisposable
{
    public const string DefaultFileName = "results.sqlite";
    private const int SchemaVersion = 1;

    private readonly SqliteConnection _connection;

    static ResultsStore()
    {
        // Microsoft.Data.Sqlite normally does this itself; calling it is idempotent and makes the native
        // e_sqlite3 binding explicit.
        SQLitePCL.Batteries_V2.Init();
    }

    private ResultsStore(string path, SqliteConnection connection)
    {
        Path = path;
        _connection = connection;
    }

    /// <summary>Full path of the database file.</summary>
    public string Path { get; }

    /// <summary>Opens <see cref="DefaultFileName"/> inside <paramref name="folder"/> (both created if needed).</summary>
    public static ResultsStore OpenFolder(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        return Open(System.IO.Path.Combine(folder, DefaultFileName));
    }

    /// <summary>Opens (creating if needed) the database file <paramref name="databaseFile"/>; its folder is created too.</summary>
    public static ResultsStore Open(string databaseFile)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databaseFile);
        string file = System.IO.Path.GetFullPath(databaseFile);
        if (Directory.Exists(file))
            throw new ArgumentException($"{file} is a folder; pass the database file, or use OpenFolder.", nameof(databaseFile));
        string? dir = System.IO.Path.GetDirectoryName(file);
        if (dir != null) Directory.CreateDirectory(dir);

        // No pooling: disposing the store must release the file (tests delete their temp folders).
        var builder = new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            var store = new ResultsStore(file, connection);
            store.CheckIntegrity();
            store.CreateSchema();
            return store;
        }
        catch (SqliteException ex)
        {
            connection.Dispose();
            if (ex.SqliteErrorCode is 11 or 26) // SQLITE_CORRUPT, SQLITE_NOTADB
                throw new InvalidDataException($"{file}: the results database is damaged ({ex.Message}); move it aside and rerun to rebuild it (trained arms under arms/ are reused)", ex);
            throw new InvalidDataException($"Cannot open results database {file}: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// A damaged file (torn pages, a disk error) is reported at open, naming the file, instead of surfacing later as
    /// a parse error in whatever row happens to be read first.
    /// </summary>
    private void CheckIntegrity()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "PRAGMA quick_check;";
        var problems = new List<string>();
        using (var reader = command.ExecuteReader())
            while (reader.Read()) problems.Add(reader.GetString(0));
        if (problems.Count == 1 && problems[0] == "ok") return;
        throw new InvalidDataException($"{Path}: the results database is damaged (SQLite quick_check: {string.Join("; ", problems.Take(3))}); " +
            "move it aside and rerun to rebuild it (trained arms under arms/ are reused)");
    }

    private void CreateSchema()
    {
        Execute("""
            CREATE TABLE IF NOT EXISTS schema_info (version INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS experiment (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                config_text TEXT NOT NULL,
                config_hash TEXT NOT NULL,
                software_versions TEXT NOT NULL,
                created_utc TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS arms (
                name TEXT PRIMARY KEY,
                config_json TEXT NOT NULL,
                status TEXT NOT NULL,
                checkpoint_path TEXT,
                train_seconds REAL,
                updated_utc TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS task_scores (
                arm TEXT NOT NULL,
                task TEXT NOT NULL,
                seed_key TEXT NOT NULL,
                seed INTEGER,
                category TEXT NOT NULL,
                split TEXT NOT NULL,
                main_score REAL NOT NULL,
                metrics_json TEXT NOT NULL,
                eval_seconds REAL NOT NULL,
                updated_utc TEXT NOT NULL,
                PRIMARY KEY (arm, task, seed_key));
            CREATE TABLE IF NOT EXISTS training_metrics (
                arm TEXT NOT NULL,
                step INTEGER NOT NULL,
                loss REAL NOT NULL,
                PRIMARY KEY (arm, step));
            """);
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT version FROM schema_info LIMIT 1";
        object? version = cmd.ExecuteScalar();
        if (version is null)
            Execute("INSERT INTO schema_info(version) VALUES ($v)", ("$v", SchemaVersion));
        else if (Convert.ToInt32(version, CultureInfo.InvariantCulture) != SchemaVersion)
            throw new InvalidDataException($"{Path} has results schema version {version}; this build reads version {SchemaVersion}.");
    }

    // ---- experiment -------------------------------------------------------------------------------------------

    /// <summary>SHA-256 (lower-case hex) of the UTF-8 bytes of <paramref name="configText"/>.</summary>
    public static string HashConfig(string configText) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(configText)));

    /// <summary>
    /// Records the experiment config. Re-recording the same config keeps the original creation time (and refreshes
    /// the software versions). A different config is refused unless <paramref name="replaceDifferentConfig"/>, because
    /// mixing results of two configs in one database would silently corrupt the comparison.
    /// </summary>
    public ExperimentRecord RecordExperiment(string configText, string softwareVersions, bool replaceDifferentConfig = false)
    {
        ArgumentNullException.ThrowIfNull(configText);
        ArgumentNullException.ThrowIfNull(softwareVersions);
        string hash = HashConfig(configText);
        var existing = GetExperiment();
        if (existing != null && existing.ConfigHash != hash && !replaceDifferentConfig)
            throw new InvalidOperationException(
                $"{Path} holds results of another experiment config (hash {existing.ConfigHash[..12]}…, this config {hash[..12]}…). " +
                "Use a new results folder, or replace the config explicitly.");
        DateTimeOffset created = existing != null && existing.ConfigHash == hash ? existing.CreatedUtc : DateTimeOffset.UtcNow;
        Execute("""
            INSERT INTO experiment(id, config_text, config_hash, software_versions, created_utc)
            VALUES (1, $text, $hash, $versions, $created)
            ON CONFLICT(id) DO UPDATE SET config_text = excluded.config_text, config_hash = excluded.config_hash,
                software_versions = excluded.software_versions, created_utc = excluded.created_utc
            """, ("$text", configText), ("$hash", hash), ("$versions", softwareVersions), ("$created", FormatTime(created)));
        return GetExperiment()!;
    }

    public ExperimentRecord? GetExperiment()
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT config_text, config_hash, software_versions, created_utc FROM experiment WHERE id = 1";
        using var reader = cmd.ExecuteReader();
        if (!reader.Read()) return null;
        return new ExperimentRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), ParseTime(reader.GetString(3), "experiment.created_utc"));
    }

    // ---- arms -------------------------------------------------------------------------------------------------

    /// <summary>Inserts or replaces the arm row (the store sets <see cref="ArmRecord.UpdatedUtc"/>).</summary>
    public void UpsertArm(ArmRecord arm)
    {
        ArgumentNullException.ThrowIfNull(arm);
        RequireName(arm.Name, "arm name");
        RequireJson(arm.ConfigJson, $"config JSON of arm '{arm.Name}'");
        if (arm.TrainSeconds is { } s && !(double.IsFinite(s) && s >= 0))
            throw new ArgumentException($"train seconds of arm '{arm.Name}' must be finite and >= 0, got {s}.", nameof(arm));
        Execute("""
            INSERT INTO arms(name, config_json, status, checkpoint_path, train_seconds, updated_utc)
            VALUES ($name, $config, $status, $checkpoint, $seconds, $updated)
            ON CONFLICT(name) DO UPDATE SET config_json = excluded.config_json, status = excluded.status,
                checkpoint_path = excluded.checkpoint_path, train_seconds = excluded.train_seconds, updated_utc = excluded.updated_utc
            """,
            ("$name", arm.Name), ("$config", arm.ConfigJson), ("$status", StatusText(arm.Status)),
            ("$checkpoint", arm.CheckpointPath), ("$seconds", arm.TrainSeconds), ("$updated", FormatTime(DateTimeOffset.UtcNow)));
    }

    /// <summary>Updates the status (and, when given, checkpoint path and training time) of an existing arm.</summary>
    public void SetArmStatus(string arm, ArmStatus status, string? checkpointPath = null, double? trainSeconds = null)
    {
        var existing = GetArm(arm) ?? throw new InvalidOperationException($"Arm '{arm}' is not in {Path}; call UpsertArm first.");
        UpsertArm(existing with
        {
            Status = status,
            CheckpointPath = checkpointPath ?? existing.CheckpointPath,
            TrainSeconds = trainSeconds ?? existing.TrainSeconds,
        });
    }

    public ArmRecord? GetArm(string name) => ReadArms("WHERE name = $name", ("$name", name)).FirstOrDefault();

    public IReadOnlyList<ArmRecord> GetArms() => ReadArms("ORDER BY name");

    /// <summary>
    /// True when the arm is marked <see cref="ArmStatus.Trained"/> and its recorded checkpoint (file or folder) still
    /// exists; a vanished checkpoint means the arm must be trained again.
    /// </summary>
    public bool IsArmTrained(string arm)
    {
        var record = GetArm(arm);
        if (record is not { Status: ArmStatus.Trained }) return false;
        return record.CheckpointPath is null || File.Exists(record.CheckpointPath) || Directory.Exists(record.CheckpointPath);
    }

    private List<ArmRecord> ReadArms(string clause, params (string Name, object? Value)[] parameters)
    {
        using var cmd = Command($"SELECT name, config_json, status, checkpoint_path, train_seconds, updated_utc FROM arms {clause}", parameters);
        using var reader = cmd.ExecuteReader();
        var arms = new List<ArmRecord>();
        while (reader.Read())
        {
            arms.Add(new ArmRecord(
                reader.GetString(0),
                reader.GetString(1),
                ParseStatus(reader.GetString(2), reader.GetString(0)),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetDouble(4),
                ParseTime(reader.GetString(5), "arms.updated_utc")));
        }
        return arms;
    }

    // ---- task scores ------------------------------------------------------------------------------------------

    /// <summary>Inserts or replaces the score of (arm, task, seed).</summary>
    public void UpsertTaskScore(TaskScoreRecord score)
    {
        ArgumentNullException.ThrowIfNull(score);
        RequireName(score.Arm, "arm name");
        RequireName(score.Task, "task name");
        RequireName(score.Category, $"category of task '{score.Task}'");
        ArgumentNullException.ThrowIfNull(score.Split);
        if (!double.IsFinite(score.MainScore))
            throw new ArgumentException($"main score of arm '{score.Arm}' on task '{score.Task}' is {score.MainScore}; scores must be finite.", nameof(score));
        if (!(double.IsFinite(score.EvalSeconds) && score.EvalSeconds >= 0))
            throw new ArgumentException($"eval seconds of arm '{score.Arm}' on task '{score.Task}' must be finite and >= 0.", nameof(score));
        RequireJson(score.MetricsJson, $"metrics JSON of arm '{score.Arm}' on task '{score.Task}'");
        Execute("""
            INSERT INTO task_scores(arm, task, seed_key, seed, category, split, main_score, metrics_json, eval_seconds, updated_utc)
            VALUES ($arm, $task, $seedKey, $seed, $category, $split, $score, $metrics, $seconds, $updated)
            ON CONFLICT(arm, task, seed_key) DO UPDATE SET seed = excluded.seed, category = excluded.category,
                split = excluded.split, main_score = excluded.main_score, metrics_json = excluded.metrics_json,
                eval_seconds = excluded.eval_seconds, updated_utc = excluded.updated_utc
            """,
            ("$arm", score.Arm), ("$task", score.Task), ("$seedKey", SeedKey(score.Seed)), ("$seed", score.Seed),
            ("$category", score.Category), ("$split", score.Split), ("$score", score.MainScore), ("$metrics", score.MetricsJson),
            ("$seconds", score.EvalSeconds), ("$updated", FormatTime(DateTimeOffset.UtcNow)));
    }

    /// <summary>Whether (arm, task, seed) has a stored score.</summary>
    public bool HasScore(string arm, string task, long? seed = null)
    {
        using var cmd = Command("SELECT 1 FROM task_scores WHERE arm = $arm AND task = $task AND seed_key = $seedKey LIMIT 1",
            ("$arm", arm), ("$task", task), ("$seedKey", SeedKey(seed)));
        return cmd.ExecuteScalar() != null;
    }

    public IReadOnlyList<TaskScoreRecord> GetTaskScores()
    {
        using var cmd = Command("""
            SELECT arm, task, category, split, main_score, metrics_json, eval_seconds, seed, updated_utc
            FROM task_scores ORDER BY arm, category, task, seed_key
            """);
        using var reader = cmd.ExecuteReader();
        var scores = new List<TaskScoreRecord>();
        while (reader.Read())
        {
            scores.Add(new TaskScoreRecord(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetDouble(4),
                reader.GetString(5), reader.GetDouble(6), reader.IsDBNull(7) ? null : reader.GetInt64(7), ParseTime(reader.GetString(8), "task_scores.updated_utc")));
        }
        return scores;
    }

    /// <summary>The scores in the analysis model (<see cref="DesignComparison"/>, <see cref="ExperimentReport"/>).</summary>
    public IReadOnlyList<ArmTaskScore> GetArmTaskScores() => GetTaskScores().Select(s => s.ToArmTaskScore()).ToList();

    // ---- training metrics -------------------------------------------------------------------------------------

    /// <summary>Upserts (arm, step) → loss for every point, in one transaction.</summary>
    public void RecordTrainingLoss(string arm, IEnumerable<(long Step, double Loss)> points)
    {
        RequireName(arm, "arm name");
        ArgumentNullException.ThrowIfNull(points);
        using var transaction = _connection.BeginTransaction();
        using var cmd = _connection.CreateCommand();
        cmd.Transaction = transaction;
        cmd.CommandText = """
            INSERT INTO training_metrics(arm, step, loss) VALUES ($arm, $step, $loss)
            ON CONFLICT(arm, step) DO UPDATE SET loss = excluded.loss
            """;
        var pArm = cmd.Parameters.Add("$arm", SqliteType.Text);
        var pStep = cmd.Parameters.Add("$step", SqliteType.Integer);
        var pLoss = cmd.Parameters.Add("$loss", SqliteType.Real);
        pArm.Value = arm;
        foreach (var (step, loss) in points)
        {
            if (step < 0) throw new ArgumentException($"training step {step} of arm '{arm}' is negative.", nameof(points));
            // NaN/inf losses are real training events but SQLite REAL cannot round-trip NaN; refuse them loudly.
            if (!double.IsFinite(loss)) throw new ArgumentException($"training loss of arm '{arm}' at step {step} is {loss}; store finite values only.", nameof(points));
            pStep.Value = step;
            pLoss.Value = loss;
            cmd.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    /// <summary>One curve per arm with recorded loss, points by ascending step, arms by name.</summary>
    public IReadOnlyList<ArmLossCurve> GetLossCurves()
    {
        using var cmd = Command("SELECT arm, step, loss FROM training_metrics ORDER BY arm, step");
        using var reader = cmd.ExecuteReader();
        var curves = new List<ArmLossCurve>();
        string? current = null;
        List<(long, double)>? points = null;
        while (reader.Read())
        {
            string arm = reader.GetString(0);
            if (arm != current)
            {
                points = [];
                curves.Add(new ArmLossCurve(arm, points));
                current = arm;
            }
            points!.Add((reader.GetInt64(1), reader.GetDouble(2)));
        }
        return curves;
    }

    public void Dispose() => _connection.Dispose();

    // ---- helpers ----------------------------------------------------------------------------------------------

    private static string SeedKey(long? seed) => seed?.ToString(CultureInfo.InvariantCulture) ?? "";

    private static string StatusText(ArmStatus status) => Enum.IsDefined(status)
        ? status.ToString().ToLowerInvariant()
        : throw new ArgumentException($"Unknown arm status {status}.", nameof(status));

    private ArmStatus ParseStatus(string text, string arm) =>
        Enum.TryParse<ArmStatus>(text, ignoreCase: true, out var status) && Enum.IsDefined(status)
            ? status
            : throw new InvalidDataException($"{Path}: arm '{arm}' has unknown status '{text}'.");

    private static string FormatTime(DateTimeOffset t) => t.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    private DateTimeOffset ParseTime(string s, string column) =>
        DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var t)
            ? t
            : throw new InvalidDataException($"{Path}: {column} holds '{(s.Length > 40 ? s[..40] + "…" : s)}', not a timestamp; the database is damaged");

    private static void RequireName(string? value, string what)
    {
        if (string.IsNullOrWhiteSpace(value)) throw new ArgumentException($"{what} must not be empty.", what);
    }

    private static void RequireJson(string? json, string what)
    {
        if (json is null) throw new ArgumentException($"{what} must not be null.", what);
        try
        {
            using var _ = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"{what} is not valid JSON: {ex.Message}", what, ex);
        }
    }

    private SqliteCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        var cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return cmd;
    }

    private void Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        using var cmd = Command(sql, parameters);
        cmd.ExecuteNonQuery();
    }
}
