using System.Reflection;
using DbUp;
using DbUp.Builder;
using DbUp.Engine;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Checkup.Core.Database;

/// <summary>Applies the ordered SQL files in Database/Migrations exactly once each (DbUp journal table).</summary>
public static class Migrator
{
    /// <summary>Any constant: every instance that starts at once takes the same lock, so only one migrates at a time.</summary>
    private const long MigrationLockKey = 0x636865636b7570; // "checkup"

    public static IReadOnlyList<string> Apply(string connectionString, ILogger logger)
    {
        // Not pooled: a pooled connection would keep the session lock until it is reused.
        using var lockConnection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        lockConnection.Open();
        using (var take = new NpgsqlCommand($"select pg_advisory_lock({MigrationLockKey})", lockConnection))
        {
            take.ExecuteNonQuery();
        }

        var upgrader = Builder(connectionString).WithTransactionPerScript().LogTo(new DbUpLogger(logger)).Build();
        var result = upgrader.PerformUpgrade();
        if (!result.Successful)
        {
            throw new InvalidOperationException($"Migration {result.ErrorScript?.Name} failed: {result.Error.Message}", result.Error);
        }

        return result.Scripts.Select(s => s.Name).ToList();
    }

    /// <summary>
    /// True when the journal lists every migration this build carries: one query, without DbUp or the migration lock.
    /// Start-up asks this first; nearly every start finds the database up to date, and DbUp's own checks cost a start
    /// several times what this query does (bench/run, cold start). False for a database without the journal table.
    /// </summary>
    public static async Task<bool> UpToDateAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        const string sql = "select count(distinct scriptname) from schema_migrations where scriptname = any(@names)";
        var names = ScriptNames();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("names", names);
        try
        {
            return (long)(await command.ExecuteScalarAsync(ct))! == names.Length;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return false;
        }
    }

    /// <summary>The migrations' names as DbUp journals them: the embedded resource names.</summary>
    internal static string[] ScriptNames() =>
        Assembly.GetExecutingAssembly().GetManifestResourceNames().Where(IsMigration).Order(StringComparer.Ordinal).ToArray();

    private static bool IsMigration(string resourceName) => resourceName.Contains(".Database.Migrations.", StringComparison.Ordinal);

    public static IReadOnlyList<string> Pending(string connectionString)
    {
        var upgrader = Builder(connectionString).LogToNowhere().Build();
        return upgrader.GetScriptsToExecute().Select(s => s.Name).ToList();
    }

    private static UpgradeEngineBuilder Builder(string connectionString) => DeployChanges.To
        .PostgresqlDatabase(connectionString)
        .WithScriptsEmbeddedInAssembly(Assembly.GetExecutingAssembly(), IsMigration)
        .JournalToPostgresqlTable("public", "schema_migrations");

    private sealed class DbUpLogger(ILogger logger) : DbUp.Engine.Output.IUpgradeLog
    {
        public void LogTrace(string format, params object[] args) => logger.LogTrace(format, args);
        public void LogDebug(string format, params object[] args) => logger.LogDebug(format, args);
        public void LogInformation(string format, params object[] args) => logger.LogInformation(format, args);
        public void LogWarning(string format, params object[] args) => logger.LogWarning(format, args);
        public void LogError(string format, params object[] args) => logger.LogError(format, args);
        public void LogError(Exception ex, string format, params object[] args) => logger.LogError(ex, format, args);
    }
}
