using System.Diagnostics;
using Checkup.Core.Auth;
using Checkup.Tests.Infrastructure;
using Npgsql;

namespace Checkup.Chaos;

/// <summary>
/// One fault run: its own database, Azurite and Cloudinary stand-in, the worker under the local Functions host (separate
/// processes), the people, the faults, the settling, the checks. Exit code 0 only when every check passed.
/// </summary>
public static class ChaosRun
{
    public const string UploadQueue = "image-uploads";
    public const string StagingContainer = "image-staging";

    /// <summary>
    /// How often the run has the host run CleanupImages while the clients work. The worker's timer fires every five
    /// minutes (its schedule is fixed in the [TimerTrigger]), longer than a whole run: without these runs an upload cut
    /// off by a kill would hold its Idempotency-Key (409 upload_in_progress) until the settling.
    /// </summary>
    private static readonly TimeSpan CleanupEvery = TimeSpan.FromSeconds(5);

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
        await using var host = new FunctionsHostProcess(settings.HostDll, settings.WorkerDir, OwnAzurite.FreePort(),
            AppSettings(database, azurite, cloudinary, auth, databaseName), settings.StateDir);
        await host.StartAsync();
        var started = clock.Elapsed;
        Console.WriteLine($"chaos: {settings.Name} run started: database {databaseName}, Azurite data and logs in {settings.StateDir}");

        // The people, each with a share of the uploads and a deadline far beyond what a settled system needs.
        var accepted = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(10);
        var people = Enumerable.Range(0, settings.Users).Select(i =>
            new Person($"chaos-user-{i + 1:00}", new ResilientClient(ResilientClient.CreateHttp(host.BaseAddress, DevTokens.Mint(auth, $"chaos-user-{i + 1:00}", false, TimeSpan.FromHours(2))), tally, deadline),
                tally, new Random(random.Next()), () => Interlocked.Increment(ref accepted))).ToList();
        var clients = Task.WhenAll(people.Select((p, i) => Task.Run(() => p.RunAsync(settings.Uploads / settings.Users + (i < settings.Uploads % settings.Users ? 1 : 0)))));
        var faults = new FaultPlan(settings, new Random(random.Next()));
        var faulting = faults.RunAsync(() => (double)Volatile.Read(ref accepted) / settings.Uploads, clients, host, azurite, clock);
        var cleanups = CleanupWhileAsync(host, Task.WhenAll(clients, faulting));
        await clients;
        await faulting;
        var cleanupsAsked = await cleanups;
        var clientsTook = clock.Elapsed - started;
        Console.WriteLine($"chaos: clients done after {clientsTook.TotalSeconds:0} s; settling");

        var settled = await Settling.RunAsync(host, database, azurite.ConnectionString, settings.ConvergeWithin);
        var verification = await Verification.RunAsync(database, azurite.ConnectionString, cloudinary, people);
        var report = Report.Write(settings, tally, faults, host, cleanupsAsked, azurite, cloudinary, settled, verification, clientsTook, clock.Elapsed);
        Console.WriteLine(report.Text);
        await File.WriteAllTextAsync(Path.Combine(settings.StateDir, "summary.txt"), report.Text);

        await host.DisposeAsync();
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

    /// <summary>Asks the host to run CleanupImages every <see cref="CleanupEvery"/> until <paramref name="until"/> completes; how many it accepted.</summary>
    private static async Task<int> CleanupWhileAsync(FunctionsHostProcess host, Task until)
    {
        var accepted = 0;
        while (await Task.WhenAny(until, Task.Delay(CleanupEvery)) != until)
        {
            // Refused while a killed host is replaced or Azurite is down (the host's admin API waits for a running host).
            accepted += await host.InvokeCleanupAsync() is null ? 1 : 0;
        }

        return accepted;
    }

    /// <summary>
    /// App settings, as environment variables of the host (which passes them to its worker). Short timings so the run
    /// settles in minutes: backoff in seconds, a failed message back after 2 s, one a killed host had taken after 20 s.
    /// </summary>
    private static Dictionary<string, string> AppSettings(string database, OwnAzurite azurite, CloudinaryStandIn cloudinary, AuthOptions auth, string runName) => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Production",
        ["DOTNET_ENVIRONMENT"] = "Production",
        ["Storage__UploadQueue"] = UploadQueue, // ProcessImage's trigger names it as %Storage:UploadQueue%
        ["Storage__StagingContainer"] = StagingContainer,
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
        // host.json extensions.queues, overridden as app settings do on Azure: a failed message back after 2 s, an
        // empty queue polled at least every second.
        ["AzureFunctionsJobHost__extensions__queues__visibilityTimeout"] = "00:00:02",
        ["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"] = "00:00:01",
        // A message taken by a host that is then killed comes back after this (the Azure host's lease is 10 minutes).
        ["FunctionsHost__QueueMessageLease"] = "00:00:20",
        // The next host takes the timer's lock soon after the killed one's 15 s lease ran out.
        ["FunctionsHost__ListenerLockRecoveryInterval"] = "00:00:05",
        // Timer locks and status blobs of this run only (its Azurite is its own anyway).
        ["AzureFunctionsWebHost__hostid"] = runName.Replace('_', '-'),
    };

    private static async Task AdminSqlAsync(string server, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Database = "postgres", Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
