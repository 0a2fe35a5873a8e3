using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Checkup.Tests.Infrastructure;
using Dapper;
using Npgsql;
using Xunit.Abstractions;

namespace Checkup.Tests.Reliability;

/// <summary>
/// Fifty tabs of one person save the draft at the same moment, each with If-Match; a 412 hands back the current version
/// and the tab saves again with it. Every accepted save must have raised the version by exactly one, and every accepted
/// body must be what the database held at that version: a trigger on this test's own database records each version.
/// </summary>
public sealed class ConcurrentDraftSaveTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Writers = 50;
    private ScratchApp _app = null!;

    public async Task InitializeAsync()
    {
        _app = await ScratchApp.CreateAsync(new Dictionary<string, string?>
        {
            ["RateLimits:WritesPerMinute"] = "1000000", // fifty tabs retrying would otherwise meet the limiter, not each other
        });
        _app.Factory.CreateClient(); // migrations
        await using var connection = new NpgsqlConnection(_app.ConnectionString);
        await connection.ExecuteAsync("""
            create table submission_versions as select author_id, version, project_1_name, project_1_description from submissions with no data;
            create function record_version() returns trigger language plpgsql as $$
            begin
                insert into submission_versions values (new.author_id, new.version, new.project_1_name, new.project_1_description);
                return new;
            end $$;
            create trigger record_version after insert or update on submissions for each row execute function record_version();
            """);
    }

    [Fact]
    public async Task Fifty_concurrent_if_match_saves_each_raise_the_version_by_one_and_none_is_lost()
    {
        var user = Users.New();
        Assert.Equal(HttpStatusCode.Created, (await _app.Factory.ClientFor(user).PostAsync("/api/submission", null)).StatusCode);
        var accepted = new ConcurrentBag<(int Version, string Name, string Description)>();
        var conflicts = 0;
        var start = new TaskCompletionSource();

        var writers = Enumerable.Range(1, Writers).Select(writer => Task.Run(async () =>
        {
            var client = _app.Factory.ClientFor(user);
            var (name, description) = ($"writer {writer}", $"the body of writer {writer}: {Guid.NewGuid()}");
            var ifMatch = "\"1\""; // every tab loaded version 1
            await start.Task;
            while (true)
            {
                using var request = new HttpRequestMessage(HttpMethod.Put, "/api/submission/draft")
                {
                    Content = JsonContent.Create(new { projects = new[] { new { name, description, role = "Lead", imageId = (Guid?)null } } }),
                };
                request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
                var response = await client.SendAsync(request);
                var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                if (response.StatusCode == HttpStatusCode.PreconditionFailed)
                {
                    Interlocked.Increment(ref conflicts);
                    ifMatch = $"\"{body.GetProperty("current").GetProperty("version").GetInt32()}\"";
                    continue;
                }

                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var version = body.GetProperty("version").GetInt32();
                Assert.Equal($"\"{version}\"", response.Headers.ETag?.ToString());
                var project = body.GetProperty("projects")[0];
                Assert.Equal(name, project.GetProperty("name").GetString()); // the answer is this tab's own write
                accepted.Add((version, name, description));
                return;
            }
        })).ToList();
        start.SetResult();
        await Task.WhenAll(writers);

        await using var connection = new NpgsqlConnection(_app.ConnectionString);
        var history = (await connection.QueryAsync<(int Version, string? Name, string? Description)>(
            "select version, project_1_name, project_1_description from submission_versions where author_id = @user order by version", new { user })).ToList();
        var final = await connection.QuerySingleAsync<(int Version, string? Name, string? Description)>(
            "select version, project_1_name, project_1_description from submissions where author_id = @user", new { user });
        output.WriteLine($"{Writers} writers, {accepted.Count} accepted saves, {conflicts} answered 412 and retried");

        Assert.Equal(Enumerable.Range(2, Writers), accepted.Select(a => a.Version).Order()); // each accepted save: exactly one version up
        Assert.Equal(Enumerable.Range(1, Writers + 1), history.Select(h => h.Version)); // no version written twice, none skipped
        foreach (var (version, name, description) in accepted)
        {
            Assert.Equal((version, name, description), history.Single(h => h.Version == version)); // stored as answered
        }

        Assert.Equal(accepted.MaxBy(a => a.Version), final); // the last accepted write is what stays
        Assert.True(conflicts >= Writers - 1, $"only {conflicts} conflicts: the saves did not race");
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
    }
}
