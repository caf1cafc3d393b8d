using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LlmEmbed.Evaluation.Results;
using Microsoft.Data.Sqlite;

namespace LlmEmbed.Experiments;

/// <summary>
/// The experiment's results database (<c>results.sqlite</c>): experiment config, arms, per-task scores and training
/// loss. Every write is an upsert keyed by its natural key, so a runner can be re-run after a crash and simply skip
/// what <see cref="IsArmTrained"/> / <see cref="HasScore"/> report as done.
/// </summary>
/// <remarks>
/// Schema (version 3; a version-1 file is migrated in place when opened, its rows getting no seed, and a version-2
/// file gains the empty <c>item_scores</c> table):
/// <c>experiment(id=1, config_text, config_hash, software_versions, created_utc)</c>;
/// <c>arms(name, seed_key, seed, config_json, status, checkpoint_path, train_seconds, updated_utc; PK(name, seed_key))</c>
/// — one row per arm run, i.e. per (arm, seed);
/// <c>task_scores(arm, task, seed_key, seed, category, split, main_score, metrics_json, eval_seconds, updated_utc;
/// PK(arm, task, seed_key))</c>;
/// <c>training_metrics(arm, seed_key, seed, step, loss; PK(arm, seed_key, step))</c>;
/// <c>item_scores(arm, task, seed_key, seed, split, statistic, item_count, columns_json, updated_utc;
/// PK(arm, task, seed_key, split))</c> — the per-item data a task's main score is computed from
/// (<see cref="ItemScores"/>; <c>columns_json</c> is <c>{"column": [values…]}</c> at float32 precision).
/// seed_key is the seed as text or '' for none (SQLite primary keys treat NULLs as distinct, which would break the
/// upsert). The experiment runner records a seed for every arm run, score and loss point; null seeds remain for
/// hand-made stores. One connection per store, not shared between threads.
/// </remarks>
public sealed class ResultsStore : IDisposable
{
    public const string DefaultFileName = "results.sqlite";
    private const int SchemaVersion = 3;

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
        MigrateVersion1();
        MigrateVersion2();
        Execute("""
            CREATE TABLE IF NOT EXISTS schema_info (version INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS experiment (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                config_text TEXT NOT NULL,
                config_hash TEXT NOT NULL,
                software_versions TEXT NOT NULL,
                created_utc TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS arms (
                name TEXT NOT NULL,
                seed_key TEXT NOT NULL,
                seed INTEGER,
                config_json TEXT NOT NULL,
                status TEXT NOT NULL,
                checkpoint_path TEXT,
                train_seconds REAL,
                updated_utc TEXT NOT NULL,
                PRIMARY KEY (name, seed_key));
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
                seed_key TEXT NOT NULL,
                seed INTEGER,
                step INTEGER NOT NULL,
                loss REAL NOT NULL,
                PRIMARY KEY (arm, seed_key, step));
            CREATE TABLE IF NOT EXISTS item_scores (
                arm TEXT NOT NULL,
                task TEXT NOT NULL,
                seed_key TEXT NOT NULL,
                seed INTEGER,
                split TEXT NOT NULL,
                statistic TEXT NOT NULL,
                item_count INTEGER NOT NULL,
                columns_json TEXT NOT NULL,
                updated_utc TEXT NOT NULL,
                PRIMARY KEY (arm, task, seed_key, split));
            """);
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT version FROM schema_info LIMIT 1";
        object? version = cmd.ExecuteScalar();
        if (version is null)
            Execute("INSERT INTO schema_info(version) VALUES ($v)", ("$v", SchemaVersion));
        else if (Convert.ToInt32(version, CultureInfo.InvariantCulture) != SchemaVersion)
            throw new InvalidDataException($"{Path} has results schema version {version}; this build reads version {SchemaVersion}.");
    }

    /// <summary>Version 1 keyed arms and loss points by arm alone; version 2 adds the seed to both keys.</summary>
    private void MigrateVersion1()
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT version FROM schema_info LIMIT 1";
        object? version;
        try { version = cmd.ExecuteScalar(); }
        catch (SqliteException) { return; } // a new file: no schema_info yet
        if (version is null || Convert.ToInt32(version, CultureInfo.InvariantCulture) != 1) return;
        using var transaction = _connection.BeginTransaction();
        foreach (var sql in new[]
        {
            "ALTER TABLE arms RENAME TO arms_v1",
            "ALTER TABLE training_metrics RENAME TO training_metrics_v1",
            "CREATE TABLE arms (name TEXT NOT NULL, seed_key TEXT NOT NULL, seed INTEGER, config_json TEXT NOT NULL, status TEXT NOT NULL, checkpoint_path TEXT, train_seconds REAL, updated_utc TEXT NOT NULL, PRIMARY KEY (name, seed_key))",
            "INSERT INTO arms SELECT name, '', NULL, config_json, status, checkpoint_path, train_seconds, updated_utc FROM arms_v1",
            "CREATE TABLE training_metrics (arm TEXT NOT NULL, seed_key TEXT NOT NULL, seed INTEGER, step INTEGER NOT NULL, loss REAL NOT NULL, PRIMARY KEY (arm, seed_key, step))",
            "INSERT INTO training_metrics SELECT arm, '', NULL, step, loss FROM training_metrics_v1",
            "DROP TABLE arms_v1",
            "DROP TABLE training_metrics_v1",
            "UPDATE schema_info SET version = 2", // then MigrateVersion2
        })
        {
            using var step = _connection.CreateCommand();
            step.Transaction = transaction;
            step.CommandText = sql;
            step.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    /// <summary>Version 3 adds the <c>item_scores</c> table; nothing else changes, so a version-2 file keeps every row.</summary>
    private void MigrateVersion2()
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT version FROM schema_info LIMIT 1";
        object? version;
        try { version = cmd.ExecuteScalar(); }
        catch (SqliteException) { return; } // a new file: no schema_info yet
        if (version is null || Convert.ToInt32(version, CultureInfo.InvariantCulture) != 2) return;
        using var transaction = _connection.BeginTransaction();
        foreach (var sql in new[]
        {
            "CREATE TABLE item_scores (arm TEXT NOT NULL, task TEXT NOT NULL, seed_key TEXT NOT NULL, seed INTEGER, split TEXT NOT NULL, statistic TEXT NOT NULL, item_count INTEGER NOT NULL, columns_json TEXT NOT NULL, updated_utc TEXT NOT NULL, PRIMARY KEY (arm, task, seed_key, split))",
            "UPDATE schema_info SET version = 3",
        })
        {
            using var step = _connection.CreateCommand();
            step.Transaction = transaction;
            step.CommandText = sql;
            step.ExecuteNonQuery();
        }
        transaction.Commit();
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
            throw new IOException(
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

    /// <summary>Inserts or replaces the row of the arm run (arm, seed) (the store sets <see cref="ArmRecord.UpdatedUtc"/>).</summary>
    public void UpsertArm(ArmRecord arm)
    {
        ArgumentNullException.ThrowIfNull(arm);
        RequireName(arm.Name, "arm name");
        RequireJson(arm.ConfigJson, $"config JSON of arm '{arm.Name}'");
        if (arm.TrainSeconds is { } s && !(double.IsFinite(s) && s >= 0))
            throw new ArgumentException($"train seconds of arm '{arm.Name}' must be finite and >= 0, got {s}.", nameof(arm));
        Execute("""
            INSERT INTO arms(name, seed_key, seed, config_json, status, checkpoint_path, train_seconds, updated_utc)
            VALUES ($name, $seedKey, $seed, $config, $status, $checkpoint, $seconds, $updated)
            ON CONFLICT(name, seed_key) DO UPDATE SET seed = excluded.seed, config_json = excluded.config_json, status = excluded.status,
                checkpoint_path = excluded.checkpoint_path, train_seconds = excluded.train_seconds, updated_utc = excluded.updated_utc
            """,
            ("$name", arm.Name), ("$seedKey", SeedKey(arm.Seed)), ("$seed", arm.Seed), ("$config", arm.ConfigJson), ("$status", StatusText(arm.Status)),
            ("$checkpoint", arm.CheckpointPath), ("$seconds", arm.TrainSeconds), ("$updated", FormatTime(DateTimeOffset.UtcNow)));
    }

    /// <summary>Updates the status (and, when given, checkpoint path and training time) of an existing arm run.</summary>
    public void SetArmStatus(string arm, ArmStatus status, string? checkpointPath = null, double? trainSeconds = null, long? seed = null)
    {
        var existing = GetArm(arm, seed) ?? throw new InvalidOperationException($"Arm '{arm}'{SeedText(seed)} is not in {Path}; call UpsertArm first.");
        UpsertArm(existing with
        {
            Status = status,
            CheckpointPath = checkpointPath ?? existing.CheckpointPath,
            TrainSeconds = trainSeconds ?? existing.TrainSeconds,
        });
    }

    public ArmRecord? GetArm(string name, long? seed = null) =>
        ReadArms("WHERE name = $name AND seed_key = $seedKey", ("$name", name), ("$seedKey", SeedKey(seed))).FirstOrDefault();

    /// <summary>Every arm run, by name then seed.</summary>
    public IReadOnlyList<ArmRecord> GetArms() => ReadArms("ORDER BY name, seed");

    /// <summary>
    /// True when the arm is marked <see cref="ArmStatus.Trained"/> and its recorded checkpoint (file or folder) still
    /// exists; a vanished checkpoint means the arm must be trained again.
    /// </summary>
    public bool IsArmTrained(string arm, long? seed = null)
    {
        var record = GetArm(arm, seed);
        if (record is not { Status: ArmStatus.Trained }) return false;
        return record.CheckpointPath is null || File.Exists(record.CheckpointPath) || Directory.Exists(record.CheckpointPath);
    }

    private List<ArmRecord> ReadArms(string clause, params (string Name, object? Value)[] parameters)
    {
        using var cmd = Command($"SELECT name, config_json, status, checkpoint_path, train_seconds, updated_utc, seed FROM arms {clause}", parameters);
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
                ParseTime(reader.GetString(5), "arms.updated_utc"),
                reader.IsDBNull(6) ? null : reader.GetInt64(6)));
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
            FROM task_scores ORDER BY arm, category, task, seed
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

    // ---- item scores ------------------------------------------------------------------------------------------

    /// <summary>Inserts or replaces the item scores of (arm, task, seed, split).</summary>
    public void UpsertItemScores(ItemScoreRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        RequireName(record.Arm, "arm name");
        RequireName(record.Task, "task name");
        RequireName(record.Split, $"split of task '{record.Task}'");
        ArgumentNullException.ThrowIfNull(record.Items);
        record.Items.Validate();
        Execute("""
            INSERT INTO item_scores(arm, task, seed_key, seed, split, statistic, item_count, columns_json, updated_utc)
            VALUES ($arm, $task, $seedKey, $seed, $split, $statistic, $count, $columns, $updated)
            ON CONFLICT(arm, task, seed_key, split) DO UPDATE SET seed = excluded.seed, statistic = excluded.statistic,
                item_count = excluded.item_count, columns_json = excluded.columns_json, updated_utc = excluded.updated_utc
            """,
            ("$arm", record.Arm), ("$task", record.Task), ("$seedKey", SeedKey(record.Seed)), ("$seed", record.Seed), ("$split", record.Split),
            ("$statistic", record.Items.Statistic), ("$count", record.Items.Count), ("$columns", ItemScoresFile.ColumnsToJson(record.Items)),
            ("$updated", FormatTime(DateTimeOffset.UtcNow)));
    }

    /// <summary>Whether (arm, task, seed) has stored item scores (any split).</summary>
    public bool HasItemScores(string arm, string task, long? seed = null)
    {
        using var cmd = Command("SELECT 1 FROM item_scores WHERE arm = $arm AND task = $task AND seed_key = $seedKey LIMIT 1",
            ("$arm", arm), ("$task", task), ("$seedKey", SeedKey(seed)));
        return cmd.ExecuteScalar() != null;
    }

    /// <summary>Every stored item-score row, by arm, task, seed and split; a damaged row is reported with its key.</summary>
    public IReadOnlyList<ItemScoreRecord> GetItemScores()
    {
        using var cmd = Command("SELECT arm, task, seed, split, statistic, item_count, columns_json FROM item_scores ORDER BY arm, task, seed, split");
        using var reader = cmd.ExecuteReader();
        var records = new List<ItemScoreRecord>();
        while (reader.Read())
        {
            string arm = reader.GetString(0), task = reader.GetString(1), split = reader.GetString(3);
            long? seed = reader.IsDBNull(2) ? null : reader.GetInt64(2);
            string where = $"{Path}: item_scores of arm '{arm}' on task '{task}'{SeedText(seed)} split '{split}'";
            var items = ItemScoresFile.ColumnsFromJson(reader.GetString(4), reader.GetString(6), where);
            if (items.Count != reader.GetInt64(5))
                throw new InvalidDataException($"{where}: item_count is {reader.GetInt64(5)} but the columns hold {items.Count} items; the database is damaged");
            records.Add(new ItemScoreRecord(arm, task, split, items, seed));
        }
        return records;
    }

    // ---- training metrics -------------------------------------------------------------------------------------

    /// <summary>Upserts (arm, seed, step) → loss for every point, in one transaction.</summary>
    public void RecordTrainingLoss(string arm, IEnumerable<(long Step, double Loss)> points, long? seed = null)
    {
        RequireName(arm, "arm name");
        ArgumentNullException.ThrowIfNull(points);
        using var transaction = _connection.BeginTransaction();
        using var cmd = _connection.CreateCommand();
        cmd.Transaction = transaction;
        cmd.CommandText = """
            INSERT INTO training_metrics(arm, seed_key, seed, step, loss) VALUES ($arm, $seedKey, $seed, $step, $loss)
            ON CONFLICT(arm, seed_key, step) DO UPDATE SET seed = excluded.seed, loss = excluded.loss
            """;
        cmd.Parameters.AddWithValue("$seedKey", SeedKey(seed));
        cmd.Parameters.AddWithValue("$seed", seed is { } s ? s : DBNull.Value);
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

    /// <summary>One curve per arm run (arm, seed) with recorded loss, points by ascending step, runs by arm then seed.</summary>
    public IReadOnlyList<ArmLossCurve> GetLossCurves()
    {
        using var cmd = Command("SELECT arm, seed_key, seed, step, loss FROM training_metrics ORDER BY arm, seed, step");
        using var reader = cmd.ExecuteReader();
        var curves = new List<ArmLossCurve>();
        (string, string)? current = null;
        List<(long, double)>? points = null;
        while (reader.Read())
        {
            var run = (reader.GetString(0), reader.GetString(1));
            if (run != current)
            {
                points = [];
                curves.Add(new ArmLossCurve(run.Item1, points, reader.IsDBNull(2) ? null : reader.GetInt64(2)));
                current = run;
            }
            points!.Add((reader.GetInt64(3), reader.GetDouble(4)));
        }
        return curves;
    }

    public void Dispose() => _connection.Dispose();

    // ---- helpers ----------------------------------------------------------------------------------------------

    private static string SeedKey(long? seed) => seed?.ToString(CultureInfo.InvariantCulture) ?? "";

    private static string SeedText(long? seed) => seed is { } s ? $" (seed {s})" : "";

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
