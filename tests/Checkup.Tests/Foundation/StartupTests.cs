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
        var root = await factory.CreateClient().GetAsync("/");
        var waiting = client.PostAsync("/api/submission", null); // needs the submissions table, which is not there yet
        var startedEarly = waiting.IsCompleted;
        await using (var release = new NpgsqlCommand($"select pg_advisory_unlock({MigrationLockKey})", blocker))
        {
            await release.ExecuteNonQueryAsync();
        }

        var started = await waiting;
        await factory.Services.GetRequiredService<StartupTasks>().Completion;
        var healthy = await factory.CreateClient().GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, starting.StatusCode);
        var body = JsonDocument.Parse(await starting.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("starting", body.GetProperty("status").GetString());
        Assert.Equal("starting", body.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, root.StatusCode); // the Functions host's readiness poll never waits
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
        Assert.True(factory.Services.GetRequiredService<StartupTasks>().Completion.IsCompletedSuccessfully);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        var checks = (await health.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("checks");
        Assert.Equal("healthy", checks.GetProperty("database").GetProperty("status").GetString());
        Assert.Equal("unhealthy", checks.GetProperty("storage").GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(checks.GetProperty("storage").GetProperty("error").GetString()));
    }

    [Fact]
    public async Task Start_does_not_preload_the_data_protection_key_ring_bearer_tokens_never_use()
    {
        await using var factory = new CheckupFactory();

        var hosted = factory.Services.GetServices<IHostedService>().Select(service => service.GetType().Name).ToList();

        Assert.Contains(nameof(StartupTasks), hosted);
        Assert.DoesNotContain("DataProtectionHostedService", hosted);
    }
}
