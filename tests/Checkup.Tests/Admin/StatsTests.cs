using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Checkup.Core.Admin;
using Checkup.Tests.Infrastructure;
using Checkup.Tests.Submissions;

namespace Checkup.Tests.Admin;

/// <summary>Stats count the whole database, so each test has a fresh one of its own.</summary>
public sealed class StatsTests : IAsyncLifetime
{
    private AdminApp _app = new();

    public Task InitializeAsync() => _app.InitializeAsync();

    public Task DisposeAsync() => _app.DisposeAsync();

    private sealed record MadeImage(Guid Id, string Status, DateTime CreatedAt, DateTime UpdatedAt, bool GivenUp);

    [Fact]
    public async Task An_empty_system_has_zero_counts_no_oldest_pending_image_and_empty_queues()
    {
        var stats = await GetStatsAsync();

        Assert.All(stats.Submissions.Values, n => Assert.Equal(0, n));
        Assert.Equal(["draft", "submitted"], stats.Submissions.Keys);
        Assert.Equal(["uploaded", "saved-locally", "saved-cld", "local-upload-failure", "cld-upload-failure"], stats.Images.Keys);
        Assert.All(stats.Images.Values, n => Assert.Equal(0, n));
        Assert.Null(stats.OldestNotInCloudinary);
        Assert.Equal(new RecentFailures(0, 0), stats.FailuresLast24Hours);
        Assert.Equal(new QueueLengths(0, 0, null), stats.Queues);
    }

    [Fact]
    public async Task Stats_equal_counts_made_independently_from_the_rows_and_messages_the_test_made()
    {
        var data = _app.Data;
        var now = DateTime.UtcNow;
        var random = new Random(6);
        string[] statuses = ["uploaded", "saved-locally", "saved-cld", "local-upload-failure", "cld-upload-failure"];
        var images = new List<MadeImage>();
        for (var i = 0; i < 60; i++)
        {
            var status = statuses[random.Next(statuses.Length)];
            var created = now.AddHours(-random.Next(1, 200)).AddMinutes(-i);
            var updated = random.Next(2) == 0 ? now.AddHours(-random.Next(1, 23)) : now.AddHours(-random.Next(25, 48)); // inside or outside 24 h
            var givenUp = status.EndsWith("failure", StringComparison.Ordinal) && random.Next(3) == 0;
            await data.ImageAsync(Users.New(), status, created, updated, givenUpAt: givenUp ? updated : null);
            images.Add(new MadeImage(Guid.Empty, status, created, updated, givenUp));
        }

        // The oldest image of all is given up: operators said so, it does not count as pending any more.
        await data.ImageAsync(Users.New(), "cld-upload-failure", now.AddDays(-30), now.AddDays(-29), givenUpAt: now.AddDays(-29));
        images.Add(new MadeImage(Guid.Empty, "cld-upload-failure", now.AddDays(-30), now.AddDays(-29), true));
        var oldestPending = await data.ImageAsync(Users.New(), "saved-locally", now.AddDays(-20), now.AddDays(-20));
        images.Add(new MadeImage(oldestPending, "saved-locally", now.AddDays(-20), now.AddDays(-20), false));
        await data.ImageAsync(Users.New(), "saved-cld", now.AddDays(-40)); // older, but in Cloudinary
        images.Add(new MadeImage(Guid.Empty, "saved-cld", now.AddDays(-40), now.AddDays(-40), false));

        var drafts = random.Next(3, 9);
        var submitted = random.Next(3, 9);
        for (var i = 0; i < drafts; i++) await data.SubmissionAsync(Users.New(), "draft");
        for (var i = 0; i < submitted; i++) await data.SubmissionAsync(Users.New(), "submitted");
        for (var i = 0; i < 4; i++) await _app.Pipeline.Storage.UploadQueue.SendMessageAsync(ImagePipeline.MessageFor(Guid.NewGuid()));
        for (var i = 0; i < 2; i++) await _app.Pipeline.Storage.PoisonQueue.SendMessageAsync(ImagePipeline.MessageFor(Guid.NewGuid()));

        var stats = await GetStatsAsync();

        Assert.Equal(new Dictionary<string, int> { ["draft"] = drafts, ["submitted"] = submitted }, stats.Submissions);
        Assert.Equal(statuses.ToDictionary(s => s, s => images.Count(i => i.Status == s)), stats.Images);
        Assert.Equal(images.Count(i => i.GivenUp), stats.ImagesGivenUp);
        Assert.Equal(new RecentFailures(
            images.Count(i => i.Status == "cld-upload-failure" && i.UpdatedAt > now.AddHours(-24)),
            images.Count(i => i.Status == "local-upload-failure" && i.UpdatedAt > now.AddHours(-24))), stats.FailuresLast24Hours);
        Assert.Equal(oldestPending, stats.OldestNotInCloudinary!.Id);
        Assert.Equal("saved-locally", stats.OldestNotInCloudinary.Status);
        Assert.InRange(stats.OldestNotInCloudinary.AgeSeconds, TimeSpan.FromDays(20).TotalSeconds, TimeSpan.FromDays(21).TotalSeconds);
        Assert.Equal(new QueueLengths(4, 2, null), stats.Queues);
    }

    [Fact]
    public async Task Stats_answer_with_the_database_numbers_and_say_so_when_storage_cannot_be_asked()
    {
        await _app.Data.SubmissionAsync(Users.New(), "draft");
        await using var factory = new CheckupFactory(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = _app.Data.ConnectionString,
            ["AzureWebJobsStorage"] = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:{TestEnvironment.UnusedPort()}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{TestEnvironment.UnusedPort()}/devstoreaccount1",
            ["Database:MigrateOnStart"] = "false",
        });

        var response = await factory.ClientFor(Users.New("admin"), admin: true).GetAsync("/api/admin/stats");
        var stats = await response.Content.ReadFromJsonAsync<AdminStats>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, stats!.Submissions["draft"]);
        Assert.Null(stats.Queues.Uploads);
        Assert.Null(stats.Queues.Poison);
        Assert.Contains("queue lengths", stats.Queues.Error, StringComparison.Ordinal);
    }

    private async Task<AdminStats> GetStatsAsync()
    {
        var response = await _app.Admin().GetAsync("/api/admin/stats");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.Equal(JsonValueKind.Number, JsonDocument.Parse(text).RootElement.GetProperty("failuresLast24Hours").GetProperty("total").ValueKind);
        return JsonSerializer.Deserialize<AdminStats>(text, JsonSerializerOptions.Web)!;
    }
}
