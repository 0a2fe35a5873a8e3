using System.Net;
using Checkup.Tests.Infrastructure;

namespace Checkup.Tests.Submissions;

/// <summary>Per-person write limits (<c>RateLimits__WritesPerMinute</c>): 429 problem+json with Retry-After, reads unaffected.</summary>
public sealed class RateLimitTests
{
    [Fact]
    public async Task Writes_past_the_limit_get_429_with_retry_after_while_reads_and_other_people_go_on()
    {
        await using var factory = new CheckupFactory(new Dictionary<string, string?> { ["RateLimits:WritesPerMinute"] = "3" });
        var user = Users.New();
        var person = new SubmissionClient(factory.ClientFor(user));
        await person.StartedAsync();                                                             // write 1
        await person.SaveAsync(Forms.Of(Forms.Project("one", null, null, null)));               // write 2
        await person.SaveAsync(Forms.Of(Forms.Project("two", null, null, null)));               // write 3
        var before = await Db.RowAsync(user);

        var limited = await person.SaveAsync(Forms.Of(Forms.Project("three", null, null, null)));
        var read = await person.GetAsync();
        var someoneElse = await new SubmissionClient(factory.ClientFor(Users.New())).StartAsync();

        var problem = await limited.ProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        var retryAfter = limited.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value.TotalSeconds, 1, 60);
        Assert.Equal((int)retryAfter.Value.TotalSeconds, problem.GetProperty("retryAfterSeconds").GetInt32());
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.Created, someoneElse.StatusCode);
        Assert.Equal(before, await Db.RowAsync(user));
    }

    [Fact]
    public async Task A_write_limit_below_one_stops_the_start_with_a_message_naming_the_setting()
    {
        var output = await StartupFailure.OfAsync(new Dictionary<string, string?> { ["RateLimits:WritesPerMinute"] = "0" });

        Assert.Contains("OptionsValidationException", output, StringComparison.Ordinal);
        Assert.Contains("RateLimits__WritesPerMinute", output, StringComparison.Ordinal);
    }
}
