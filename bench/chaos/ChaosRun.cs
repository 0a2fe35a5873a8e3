using System.Diagnostics;
using Checkup.Core.Auth;
using Checkup.Tests.Infrastructure;
using Npgsql;

namespace Checkup.Chaos;

/// <summary>
/// One fault run: its own database, Azurite and Cloudinary stand-in, the handler as a separate process, the people,
/// the faults, the settling, the checks. Exit code 0 only when every check passed.
/// </summary>
public static class ChaosRun
{
    public static async Task<int> RunAsync(ChaosSettings settings)
    {
        Directory.CreateDirectory(settings.StateDir);
        var server = Environment.GetEnvironmentVariable("ConnectionStrings__Postgres") is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException("ConnectionStrings__Postgres is not set (bench/chaos/run sets it from ./checkup stack).");
        var databaseName = $"chaos_{DateTime.UtcNow:yyyyMMddHHmmss}_{Guid.NewGuid().ToString("N")[..6]}";
        var database = new NpgsqlConnectionStringBuilder(server) { Database = databaseName, MaxPoolSize = 20 }.ConnectionString;
        await AdminSqlAsync(server, $"create database \"{databaseName}\"");

        var random = new Random(settings.Seed);
        var tally = new Tally();
        var clock = Stopwatch.StartNew();
        await using var cloudinary = await CloudinaryStandIn.StartAsync();
        cloudinary.Chaos = new StandInChaos(settings.FailureRate, TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(10), settings.Seed);
        await using var azurite = new OwnAzurite(settings.Azurite, settings.StateDir);
        await azurite.StartAsync();
        var auth = new AuthOptions { SigningKey = "chaos-signing-key-" + Guid.NewGuid().ToString("N"), Issuer = "checkup-chaos", Audience = "checkup-chaos" };
        await using var handler = new HandlerProcess(settings.HandlerDll, OwnAzurite.FreePort(), HandlerSettings(database, azurite, cloudinary, auth), settings.StateDir);
        await handler.StartAsync();
        var started = clock.Elapsed;
        Console.WriteLine($"chaos: {settings.Name} run started: database {databaseName}, Azurite data and logs in {settings.StateDir}");

        // The people, each with a share of the uploads and a deadline far beyond what a settled system needs.
        var accepted = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(10);
        var people = Enumerable.Range(0, settings.Users).Select(i =>
            new Person($"chaos-user-{i + 1:00}", new ResilientClient(ResilientClient.CreateHttp(handler.BaseAddress, DevTokens.Mint(auth, $"chaos-user-{i + 1:00}", false, TimeSpan.FromHours(2))), tally, deadline),
                tally, new Random(random.Next()), () => Interlocked.Increment(ref accepted))).ToList();
        var clients = Task.WhenAll(people.Select((p, i) => Task.Run(() => p.RunAsync(settings.Uploads / settings.Users + (i < settings.Uploads % settings.Users ? 1 : 0)))));
        var faults = new FaultPlan(settings, new Random(random.Next()));
        var faulting = faults.RunAsync(() => (double)Volatile.Read(ref accepted) / settings.Uploads, clients, handler, azurite, clock);
        await clients;
        await faulting;
        var clientsTook = clock.Elapsed - started;
        Console.WriteLine($"chaos: clients done after {clientsTook.TotalSeconds:0} s; settling");

        var settled = await Settling.RunAsync(handler.BaseAddress, database, azurite.ConnectionString, settings.ConvergeWithin);
        var verification = await Verification.RunAsync(database, azurite.ConnectionString, cloudinary, people);
        var report = Report.Write(settings, tally, faults, handler, azurite, cloudinary, settled, verification, clientsTook, clock.Elapsed);
        Console.WriteLine(report.Text);
        await File.WriteAllTextAsync(Path.Combine(settings.StateDir, "summary.txt"), report.Text);

        await handler.DisposeAsync();
        if (report.Passed && !settings.KeepDatabase)
        {
            NpgsqlConnection.ClearAllPools();
            await AdminSqlAsync(server, $"drop database if exists \"{databaseName}\" with (force)");
        }
        else
        {
            Console.WriteLine($"chaos: database {databaseName} kept for inspection");
        }

        return report.Passed ? 0 : 1;
    }

    /// <summary>Short timings so the run settles in minutes: backoff in seconds, stuck after 15 s, cleanup every 5 s.</summary>
    private static Dictionary<string, string> HandlerSettings(string database, OwnAzurite azurite, CloudinaryStandIn cloudinary, AuthOptions auth) => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["ConnectionStrings__Postgres"] = database,
        ["AzureWebJobsStorage"] = azurite.ConnectionString,
        ["CLOUDINARY_URL"] = cloudinary.CloudinaryUrl,
        ["Cloudinary__ApiBaseUrl"] = cloudinary.BaseUrl.ToString(),
        ["Cloudinary__Timeout"] = "00:00:03",
        ["Auth__SigningKey"] = auth.SigningKey!,
        ["Auth__Issuer"] = auth.Issuer!,
        ["Auth__Audience"] = auth.Audience!,
        ["Cors__AllowedOrigins"] = "http://chaos.test",
        ["RateLimits__WritesPerMinute"] = "100000",
        ["Images__RetryBaseDelay"] = "00:00:00.500",
        ["Images__RetryMaxDelay"] = "00:00:04",
        // 30 % failures on every call is far above any real outage; the run is about losing nothing, not about giving up.
        ["Images__MaxAttempts"] = "20",
        // Longer than any request can last: one caught in Azurite's graceful stop hangs until the storage client's 30 s timeout.
        ["Images__StuckAfter"] = "00:00:45",
        ["Triggers__CleanupSchedule"] = "*/5 * * * * *",
        ["Triggers__VisibilityTimeout"] = "00:00:02",
        ["Triggers__FunctionTimeout"] = "00:00:20", // a message taken by a killed process comes back after this
        ["Triggers__MaxPollingInterval"] = "00:00:01",
        ["Logging__LogLevel__Default"] = "Information",
        ["Logging__Console__FormatterName"] = "simple",
        ["Logging__Console__FormatterOptions__SingleLine"] = "true",
        ["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ",
    };

    private static async Task AdminSqlAsync(string server, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Database = "postgres", Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
