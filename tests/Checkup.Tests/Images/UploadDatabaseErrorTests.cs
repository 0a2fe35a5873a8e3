using System.Net;
using Checkup.Tests.Infrastructure;
using Checkup.Tests.Submissions;

namespace Checkup.Tests.Images;

/// <summary>
/// Only an outage of the database (it cannot be reached, or shed the work) is a 503 that invites a retry. A statement
/// the database refuses for good is a 500 that names nothing of the database. Issue 20, item 6: every Npgsql exception
/// of an upload answered 503 storage_unavailable "The database is unavailable.", inviting retries of a permanent error.
/// </summary>
public sealed class UploadDatabaseErrorTests
{
    [Fact]
    public async Task An_upload_the_database_refuses_for_good_is_a_500_without_details_and_no_retry_after()
    {
        await using var pipeline = await ImagePipeline.StartAsync();
        // A permanent refusal of every new image row (check_violation), as a schema mistake would make it.
        await pipeline.ExecuteAsync("alter table images add constraint refuse_every_image check (false) not valid");
        var user = Users.New();

        var response = await ImagePipeline.UploadAsync(pipeline.Client(user), TestImages.Png());
        var text = await response.Content.ReadAsStringAsync();

        await response.ProblemAsync(HttpStatusCode.InternalServerError, "internal_error");
        Assert.Null(response.Headers.RetryAfter);
        Assert.DoesNotContain("refuse_every_image", text, StringComparison.Ordinal);
        Assert.DoesNotContain("23514", text, StringComparison.Ordinal);
        Assert.DoesNotContain("database", text, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(await pipeline.RowsOfAsync(user));
        Assert.Empty(await pipeline.StagedBlobNamesAsync());
        Assert.Equal(0, await pipeline.QueuedCountAsync());
    }

    [Fact]
    public async Task An_upload_while_the_database_is_unreachable_is_a_503_database_unavailable_with_retry_after()
    {
        var deadServer = $"Host=127.0.0.1;Port={TestEnvironment.UnusedPort()};Username=postgres;Database=checkup;Timeout=2";
        await using var factory = new CheckupFactory(new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = deadServer });

        var response = await ImagePipeline.UploadAsync(factory.ClientFor(Users.New()), TestImages.Png());

        await response.ProblemAsync(HttpStatusCode.ServiceUnavailable, "database_unavailable");
        Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
    }
}
