using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Checkup.Tests.Infrastructure;

namespace Checkup.Tests.Submissions;

/// <summary>With PostgreSQL out of reach, the API says so (503, retry later) instead of answering an internal error.</summary>
public sealed class DatabaseDownTests
{
    [Fact]
    public async Task Reading_and_saving_while_the_database_is_unreachable_answer_503_database_unavailable_with_retry_after()
    {
        var deadServer = $"Host=127.0.0.1;Port={TestEnvironment.UnusedPort()};Username=postgres;Database=checkup;Timeout=2";
        await using var factory = new CheckupFactory(new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = deadServer });
        var client = factory.ClientFor(Users.New());
        var form = new { projects = new[] { new { name = "Kept", description = "Not lost", role = "Author" } } };

        foreach (var response in new[]
                 {
                     await client.GetAsync("/api/submission"),
                     await client.PutAsJsonAsync("/api/submission/draft", form),
                 })
        {
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("database_unavailable", body.GetProperty("code").GetString());
            Assert.Contains("Try again", body.GetProperty("detail").GetString());
            Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        }
    }

    [Fact]
    public async Task A_statement_error_that_is_not_an_outage_stays_a_500()
    {
        // A database that does not exist is a configuration mistake, not something a retry fixes.
        var missingDatabase = TestEnvironment.Postgres + ";Database=checkup_missing_" + Guid.NewGuid().ToString("N")[..8];
        await using var factory = new CheckupFactory(new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = missingDatabase });
        var client = factory.ClientFor(Users.New());

        var response = await client.GetAsync("/api/submission");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("internal_error", body.GetProperty("code").GetString());
        Assert.Null(response.Headers.RetryAfter);
    }
}
