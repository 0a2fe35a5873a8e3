using System.Net;
using Checkup.Tests.Auth;
using Checkup.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Checkup.Tests.Submissions;

/// <summary>
/// Autosave is the hottest path: one database round trip per save, whatever the outcome. Counted from Npgsql's own
/// command log (one entry per command sent), which the worker sends to the Functions host's console, on an app of the
/// test's own, so no other test's commands are counted.
/// </summary>
public sealed class RoundTripTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Each_save_submit_and_read_costs_exactly_one_database_command()
    {
        await using var factory = new CheckupFactory(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Npgsql.Command"] = "Trace", // the worker sends it
            ["AzureFunctionsJobHost:logging:logLevel:Npgsql.Command"] = "Trace", // the host prints it
        });
        var app = await factory.StartAsync();
        var user = Users.New();
        var http = app.CreateClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", Tokens.Valid(user));
        var person = new SubmissionClient(http);
        var images = await Db.ImagesAsync(user);
        await person.StartedAsync();

        var counts = new Dictionary<string, int>();
        async Task<HttpResponseMessage> Measure(string name, Func<Task<HttpResponseMessage>> call)
        {
            var before = Lines(app);
            var response = await call();
            // The function's log lines reach the host before its "Executed" line (one gRPC stream, in order).
            var lines = await WaitForLinesAsync(app, before, l => l.Contains("Executed 'Functions.", StringComparison.Ordinal));
            var commands = lines.Where(l => l.Contains("execution completed", StringComparison.OrdinalIgnoreCase)).ToList();
            counts[name] = commands.Count;
            output.WriteLine($"{name}: {(int)response.StatusCode}, {commands.Count} command(s)\n  {string.Join("\n  ", commands)}");
            return response;
        }

        Assert.Equal(HttpStatusCode.OK, (await Measure("save with 3 images and If-Match", () => person.SaveAsync(Forms.Complete(images, " a"), "\"1\""))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Measure("save without If-Match", () => person.SaveAsync(Forms.Complete(images, " b")))).StatusCode);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await Measure("save with a stale If-Match (412)", () => person.SaveAsync(Forms.Complete(images), "\"1\""))).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Measure("save with a foreign image (422)", () => person.SaveAsync(Forms.Of(Forms.Project("x", null, null, Guid.NewGuid()))))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Measure("read", person.GetAsync)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Measure("submit", () => person.SubmitAsync(Forms.Complete(images)))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Measure("identical repeated submit", () => person.SubmitAsync(Forms.Complete(images)))).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await Measure("save after submit (409)", () => person.SaveAsync(Forms.Complete(images)))).StatusCode);

        Assert.All(counts, c => Assert.True(c.Value == 1, $"{c.Key}: {c.Value} commands"));
    }

    private static string[] Lines(HostedApp app) => app.Output.Split('\n');

    /// <summary>The lines printed after <paramref name="before"/>, once one of them matches (the timeout only guards a hang).</summary>
    private static async Task<string[]> WaitForLinesAsync(HostedApp app, string[] before, Func<string, bool> last)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var lines = Lines(app).Skip(before.Length).ToArray();
            if (lines.Any(last) || DateTime.UtcNow > deadline)
            {
                return lines;
            }

            await Task.Delay(20);
        }
    }
}
