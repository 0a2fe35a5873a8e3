using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Checkup.Core;
using Checkup.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Checkup.Tests.Foundation;

/// <summary>The server starts beside the start-up tasks (migrations, container and queues): what a caller sees meanwhile.</summary>
public sealed class StartupTests
{
    /// <summary>The migration lock start-up takes (Migrator): held by a test, it keeps the tasks of an unmigrated database running.</summary>
    private const long MigrationLockKey = 0x636865636b7570;

    [Fact]
    public async Task While_migrations_run_health_says_starting_and_a_request_waits_then_succeeds()
    {
        await using var database = await TestEnvironment.CreateScratchDatabaseAsync();
        await using var blocker = new NpgsqlConnection(database.ConnectionString);
        await blocker.OpenAsync();
        await using (var take = new NpgsqlCommand($"select pg_advisory_lock({MigrationLockKey})", blocker))
        {
            await take.ExecuteNonQueryAsync();
        }

        await using var factory = new CheckupFactory(new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = database.ConnectionString }, waitForStartupTasks: false);
        var client = factory.ClientFor(Users.New());

        var starting = await factory.CreateClient().GetAsync("/api/health");
        var waiting = client.PostAsync("/api/submission", null); // needs the submissions table, which is not there yet
        var startedEarly = waiting.IsCompleted;
        await using (var release = new NpgsqlCommand($"select pg_advisory_unlock({MigrationLockKey})", blocker))
        {
            await release.ExecuteNonQueryAsync();
        }

        var started = await waiting;
        var healthy = await factory.CreateClient().GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, starting.StatusCode);
        var body = JsonDocument.Parse(await starting.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("starting", body.GetProperty("status").GetString());
        Assert.Equal("starting", body.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
        Assert.False(startedEarly);
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
    }

    [Fact]
    public async Task A_failed_startup_task_lets_the_app_come_up_and_health_names_the_problem()
    {
        var port = TestEnvironment.UnusedPort();
        var deadStorage = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
                          $"BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{port}/devstoreaccount1;";
        await using var factory = new CheckupFactory(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = deadStorage }, waitForStartupTasks: false);
        var client = factory.ClientFor(Users.New());

        // A request that needs only the database waits out the failed storage creation, then runs.
        var started = await client.PostAsync("/api/submission", null);
        var health = await factory.ClientFor(Users.New("admin"), admin: true).GetAsync("/api/health"); // the reason is for admins only

        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        var checks = (await health.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("checks");
        Assert.Equal("healthy", checks.GetProperty("database").GetProperty("status").GetString());
        Assert.Equal("unhealthy", checks.GetProperty("storage").GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(checks.GetProperty("storage").GetProperty("error").GetString()));
    }

    [Fact]
    public void Start_does_not_preload_the_data_protection_key_ring_bearer_tokens_never_use()
    {
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build();
        var services = new ServiceCollection().AddLogging();
        services.AddCheckupCore(configuration);
        Checkup.Functions.Auth.AuthSetup.AddCheckupAuth(services, configuration);

        var hosted = services.Where(d => d.ServiceType == typeof(IHostedService))
            .Select(d => (d.ImplementationType ?? d.ImplementationInstance?.GetType())?.Name ?? "a factory").ToList();

        Assert.NotEmpty(hosted); // StartupTasks, registered through a factory
        Assert.DoesNotContain("DataProtectionHostedService", hosted);
    }
}
