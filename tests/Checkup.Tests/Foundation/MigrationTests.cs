using Checkup.Core.Database;
using Checkup.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Checkup.Tests.Foundation;

public sealed class MigrationTests
{
    [Fact]
    public async Task Applying_migrations_twice_changes_nothing_the_second_time()
    {
        await using var db = await TestEnvironment.CreateScratchDatabaseAsync();

        var first = Migrator.Apply(db.ConnectionString, NullLogger.Instance);
        var schemaAfterFirst = await SchemaAsync(db.ConnectionString);
        var second = Migrator.Apply(db.ConnectionString, NullLogger.Instance);
        var schemaAfterSecond = await SchemaAsync(db.ConnectionString);

        Assert.NotEmpty(first);
        Assert.Contains(first, name => name.EndsWith("0001_initial.sql", StringComparison.Ordinal));
        Assert.Empty(second);
        Assert.Empty(Migrator.Pending(db.ConnectionString));
        Assert.Equal(schemaAfterFirst, schemaAfterSecond);
        Assert.Contains("table submissions", schemaAfterFirst);
        Assert.Contains("table images", schemaAfterFirst);
    }

    [Fact]
    public async Task Concurrent_migrations_from_two_instances_both_succeed()
    {
        await using var db = await TestEnvironment.CreateScratchDatabaseAsync();

        var runs = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => Migrator.Apply(db.ConnectionString, NullLogger.Instance))));

        Assert.Equal(1, runs.Count(r => r.Count > 0)); // exactly one instance applied them; the others found nothing to do
        Assert.Empty(Migrator.Pending(db.ConnectionString));
    }

    [Theory]
    [InlineData("insert into images (id, owner_id, status) values (gen_random_uuid(), 'x', 'pending')")]
    [InlineData("insert into submissions (author_id, status) values ('x', 'approved')")]
    [InlineData("insert into submissions (author_id, status) values ('x', 'submitted')")] // submitted_at missing
    public async Task Schema_constraints_refuse_invalid_rows(string sql)
    {
        await using var db = await TestEnvironment.CreateScratchDatabaseAsync();
        Migrator.Apply(db.ConnectionString, NullLogger.Instance);
        await using var connection = new NpgsqlConnection(db.ConnectionString);

        var error = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync(sql));

        Assert.Equal(PostgresErrorCodes.CheckViolation, error.SqlState);
    }

    /// <summary>Tables, columns, constraints and indexes as text, for before/after comparison.</summary>
    private static async Task<string> SchemaAsync(string connectionString)
    {
        const string sql = """
            select 'table ' || table_name || ' ' || string_agg(column_name || ':' || data_type || ':' || is_nullable || ':' || coalesce(column_default, ''), ',' order by ordinal_position)
            from information_schema.columns where table_schema = 'public' group by table_name
            union all
            select 'index ' || indexname || ' ' || indexdef from pg_indexes where schemaname = 'public'
            union all
            select 'constraint ' || conname || ' ' || pg_get_constraintdef(oid) from pg_constraint where connamespace = 'public'::regnamespace
            order by 1
            """;
        await using var connection = new NpgsqlConnection(connectionString);
        var rows = await connection.QueryAsync<string>(sql);
        return string.Join('\n', rows);
    }
}
