using Checkup.Core.Configuration;
using Checkup.Core.Database;
using Checkup.Core.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Checkup.Core;

/// <summary>
/// Applies migrations and creates the container and queues at start. A failure is logged, not fatal: the
/// process must come up (the Functions host gives up after three failed starts) and report the problem through
/// <c>/api/health</c>; requests that need the missing piece fail until it is back.
/// </summary>
internal sealed class StartupTasks(
    IOptions<DatabaseOptions> database,
    NpgsqlDataSource dataSource,
    StorageClients storage,
    ILogger<StartupTasks> logger) : IHostedService
{
    /// <summary>The database and storage are independent: both are made ready at once (the server starts after them).</summary>
    public Task StartAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(MigrateAsync(cancellationToken), CreateStorageAsync(cancellationToken));

    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        if (!database.Value.MigrateOnStart)
        {
            return;
        }

        try
        {
            if (await Migrator.UpToDateAsync(dataSource, cancellationToken))
            {
                return;
            }

            var applied = await Task.Run(() => Migrator.Apply(database.Value.ConnectionString!, logger), cancellationToken);
            if (applied.Count > 0)
            {
                logger.LogInformation("Applied migrations: {Migrations}", string.Join(", ", applied));
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Database migrations could not be applied at start; /api/health reports the database");
        }
    }

    private async Task CreateStorageAsync(CancellationToken cancellationToken)
    {
        try
        {
            await storage.EnsureCreatedAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "The staging container or the image queues could not be created at start; /api/health reports storage");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
