using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Checkup.Tests.Infrastructure;

/// <summary>The real PostgreSQL and Azurite that <c>./checkup test</c> starts, found through the same settings the app reads.</summary>
public static class TestEnvironment
{
    public static string Postgres { get; } = Migrated(Required("ConnectionStrings__Postgres"));
    public static string Storage { get; } = Required("AzureWebJobsStorage");

    /// <summary>The repository root (for the builds, host.json, scripts).</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>
    /// The shared test database is migrated before any test touches it: a test may write rows directly before its
    /// app instance (which would migrate at start) has started, and on a fresh database nothing else has yet.
    /// </summary>
    private static string Migrated(string connectionString)
    {
        Checkup.Core.Database.Migrator.Apply(connectionString, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        return connectionString;
    }

    private static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set: run the tests with './checkup test', which starts PostgreSQL and Azurite and sets it.");

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Checkup.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Checkup.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>A new, empty database on the test server; dropped when disposed.</summary>
    public static async Task<ScratchDatabase> CreateScratchDatabaseAsync()
    {
        var name = "scratch_" + Guid.NewGuid().ToString("N")[..16];
        await using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Postgres) { Database = "postgres", Pooling = false }.ConnectionString);
        await admin.OpenAsync();
        await using var create = new NpgsqlCommand($"create database \"{name}\"", admin);
        await create.ExecuteNonQueryAsync();
        return new ScratchDatabase(name, new NpgsqlConnectionStringBuilder(Postgres) { Database = name, Pooling = false }.ConnectionString);
    }

    /// <summary>A loopback port with nothing listening on it (for "the server is down").</summary>
    public static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

public sealed class ScratchDatabase(string name, string connectionString) : IAsyncDisposable
{
    public string Name => name;
    public string ConnectionString => connectionString;

    public async ValueTask DisposeAsync()
    {
        await using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(TestEnvironment.Postgres) { Database = "postgres", Pooling = false }.ConnectionString);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"drop database if exists \"{name}\" with (force)", admin);
        await drop.ExecuteNonQueryAsync();
    }
}
