using Npgsql;

namespace Checkup.Core.Configuration;

public sealed class DatabaseOptions
{
    /// <summary>From <c>ConnectionStrings__Postgres</c>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Apply pending migrations when the app starts (<c>Database__MigrateOnStart</c>, default true).</summary>
    public bool MigrateOnStart { get; set; } = true;

    internal static string? Problem(DatabaseOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return "ConnectionStrings__Postgres is not set: give the PostgreSQL connection string, e.g. 'Host=127.0.0.1;Port=5432;Username=postgres;Database=checkup'.";
        }

        try
        {
            _ = new NpgsqlConnectionStringBuilder(options.ConnectionString);
            return null;
        }
        catch (ArgumentException e)
        {
            return $"ConnectionStrings__Postgres is malformed ({e.Message}): expected 'Host=...;Port=...;Username=...;Database=...'.";
        }
    }
}
