using Checkup.Core.Database;
using Checkup.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Checkup.Tests.Foundation;

/// <summary>Start-up skips DbUp when the journal already lists every migration; it must never skip one that is missing.</summary>
public sealed class MigrationCheckTests
{
    [Fact]
    public async Task A_database_counts_as_up_to_date_only_while_every_migration_is_in_the_journal()
    {
        await using var db = await TestEnvironment.CreateScratchDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(db.ConnectionString);

        var empty = await Migrator.UpToDateAsync(dataSource, CancellationToken.None);
        Migrator.Apply(db.ConnectionString, NullLogger.Instance);
        var migrated = await Migrator.UpToDateAsync(dataSource, CancellationToken.None);
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("delete from schema_migrations where scriptname = (select max(scriptname) from schema_migrations)");
        }

        var oneMissing = await Migrator.UpToDateAsync(dataSource, CancellationToken.None);

        Assert.False(empty);
        Assert.True(migrated);
        Assert.False(oneMissing);
    }
}
