using Checkup.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Checkup.Tests.Foundation;

public sealed class DataSourceTests
{
    private const string Statement = "select @n::int + 41";

    [Fact]
    public async Task The_apps_statements_are_prepared_on_a_connection_once_they_repeat()
    {
        await using var factory = new CheckupFactory();

        Assert.Equal(1, await PreparedAfterRepeatsAsync(factory));
    }

    [Fact]
    public async Task Max_Auto_Prepare_0_in_the_connection_string_keeps_statements_unprepared()
    {
        await using var factory = new CheckupFactory(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = TestEnvironment.Postgres + ";Max Auto Prepare=0",
        });

        Assert.Equal(0, await PreparedAfterRepeatsAsync(factory));
    }

    [Fact]
    public async Task A_connection_back_from_the_pool_is_not_reset_before_its_next_use()
    {
        await using var factory = new CheckupFactory();

        // A session setting survives only when no RESET ALL ran between the two uses of the same server session.
        var (firstSession, secondSession, setting) = await SettingAcrossTwoUsesAsync(factory);

        Assert.Equal(firstSession, secondSession);
        Assert.Equal("kept", setting);
    }

    [Fact]
    public async Task No_Reset_On_Close_false_in_the_connection_string_resets_a_returned_connection()
    {
        await using var factory = new CheckupFactory(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = TestEnvironment.Postgres + ";No Reset On Close=false",
        });

        var (firstSession, secondSession, setting) = await SettingAcrossTwoUsesAsync(factory);

        Assert.Equal(firstSession, secondSession);
        Assert.Equal("", setting);
    }

    /// <summary>
    /// Sets a custom session setting on a connection of the app's data source, returns it to the pool, takes a connection
    /// again (the pool hands back the same one) and reads the setting: the two server process ids and what was read.
    /// </summary>
    private static async Task<(int First, int Second, string Setting)> SettingAcrossTwoUsesAsync(CheckupFactory factory)
    {
        var dataSource = factory.Services.GetRequiredService<NpgsqlDataSource>();
        int first;
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            first = await connection.ExecuteScalarAsync<int>("select pg_backend_pid()");
            await connection.ExecuteAsync("set checkup.probe = 'kept'");
        }

        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            var second = await connection.ExecuteScalarAsync<int>("select pg_backend_pid()");
            var setting = await connection.ExecuteScalarAsync<string>("select coalesce(current_setting('checkup.probe', true), '')");
            return (first, second, setting!);
        }
    }

    /// <summary>Runs one statement ten times on one connection of the app's data source; how many statements that connection has prepared for it.</summary>
    private static async Task<long> PreparedAfterRepeatsAsync(CheckupFactory factory)
    {
        await using var connection = await factory.Services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync();
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(i + 41, await connection.ExecuteScalarAsync<int>(Statement, new { n = i }));
        }

        return await connection.ExecuteScalarAsync<long>("select count(*) from pg_prepared_statements where statement = 'select $1::int + 41'");
    }
}
