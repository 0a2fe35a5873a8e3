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
