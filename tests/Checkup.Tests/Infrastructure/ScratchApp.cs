using Npgsql;

namespace Checkup.Tests.Infrastructure;

/// <summary>
/// The app on a database of its own, for tests that scan or change whole tables (cleanup, triggers, snapshots of every
/// row) and so must not share one with other tests. Disposing it stops the app and drops the database.
/// </summary>
public sealed class ScratchApp : IAsyncDisposable
{
    private ScratchApp(ScratchDatabase database, CheckupFactory factory)
    {
        Database = database;
        Factory = factory;
    }

    public ScratchDatabase Database { get; }
    public CheckupFactory Factory { get; }
    public string ConnectionString => Database.ConnectionString;

    /// <param name="settings">app settings besides the connection string, which names the scratch database</param>
    public static async Task<ScratchApp> CreateAsync(IDictionary<string, string?>? settings = null)
    {
        var database = await TestEnvironment.CreateScratchDatabaseAsync();
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["ConnectionStrings:Postgres"] = database.ConnectionString,
        };
        return new ScratchApp(database, new CheckupFactory(all));
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        NpgsqlConnection.ClearAllPools(); // no connection may keep the database from being dropped
        await Database.DisposeAsync();
    }
}
