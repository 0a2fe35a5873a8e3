using System.Net;
using Checkup.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Checkup.Tests.Submissions;

/// <summary><c>Checkup__SubmissionDeadline</c>: after it, saves and submits get 409 deadline_passed; reading still works.</summary>
public sealed class DeadlineTests
{
    [Fact]
    public async Task After_the_deadline_saves_and_submits_get_409_deadline_passed_and_reads_still_work()
    {
        var user = Users.New();
        var images = await Db.ImagesAsync(user);
        await using (var before = new CheckupFactory())
        {
            var early = new SubmissionClient(before.ClientFor(user));
            await early.StartedAsync();
            Assert.Equal(HttpStatusCode.OK, (await early.SaveAsync(Forms.Complete(images))).StatusCode);
        }

        await using var after = new CheckupFactory(new Dictionary<string, string?> { ["Checkup:SubmissionDeadline"] = "2020-01-01T00:00:00Z" });
        var person = new SubmissionClient(after.ClientFor(user));
        var stored = await Db.RowAsync(user);

        var save = await person.SaveAsync(Forms.Of(Forms.Project("too late", null, null, null)));
        var submit = await person.SubmitAsync(Forms.Complete(images));
        var read = await person.GetAsync();
        var restart = await person.StartAsync();
        var latecomer = await new SubmissionClient(after.ClientFor(Users.New())).StartAsync();

        await save.ProblemAsync(HttpStatusCode.Conflict, "deadline_passed");
        await submit.ProblemAsync(HttpStatusCode.Conflict, "deadline_passed");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        var body = await read.JsonAsync();
        Assert.False(body.GetProperty("canSubmit").GetBoolean());
        Assert.Equal("deadline_passed", body.GetProperty("blockingReasons")[0].GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, restart.StatusCode); // someone who started in time gets their draft back
        await latecomer.ProblemAsync(HttpStatusCode.Conflict, "deadline_passed");
        Assert.Equal(stored, await Db.RowAsync(user));
    }

    [Fact]
    public async Task An_identical_repeat_of_a_submit_made_in_time_is_still_answered_200_after_the_deadline()
    {
        var user = Users.New();
        var images = await Db.ImagesAsync(user);
        string firstAnswer;
        await using (var before = new CheckupFactory())
        {
            var early = new SubmissionClient(before.ClientFor(user));
            await early.StartedAsync();
            var submit = await early.SubmitAsync(Forms.Complete(images));
            Assert.Equal(HttpStatusCode.OK, submit.StatusCode);
            firstAnswer = (await submit.JsonAsync()).GetProperty("submittedAt").GetString()!;
        }

        await using var after = new CheckupFactory(new Dictionary<string, string?> { ["Checkup:SubmissionDeadline"] = "2020-01-01T00:00:00Z" });
        var person = new SubmissionClient(after.ClientFor(user));

        var repeat = await person.SubmitAsync(Forms.Complete(images));
        var different = await person.SubmitAsync(Forms.Complete(images, " edited"));

        Assert.Equal(HttpStatusCode.OK, repeat.StatusCode);
        Assert.Equal(firstAnswer, (await repeat.JsonAsync()).GetProperty("submittedAt").GetString());
        await different.ProblemAsync(HttpStatusCode.Conflict, "deadline_passed");
    }

    [Fact]
    public async Task A_deadline_in_the_future_changes_nothing()
    {
        await using var factory = new CheckupFactory(new Dictionary<string, string?> { ["Checkup:SubmissionDeadline"] = "2999-12-31T23:59:59+01:00" });
        var person = new SubmissionClient(factory.ClientFor(Users.New()));
        await person.StartedAsync();

        var save = await person.SaveAsync(Forms.Of(Forms.Project("in time", null, null, null)));

        Assert.Equal(HttpStatusCode.OK, save.StatusCode);
    }

    [Fact]
    public async Task A_malformed_deadline_stops_the_start_with_a_message_naming_the_setting()
    {
        var output = await StartupFailure.OfAsync(new Dictionary<string, string?> { ["Checkup:SubmissionDeadline"] = "next friday" });

        Assert.Contains("OptionsValidationException", output, StringComparison.Ordinal);
        Assert.Contains("Checkup__SubmissionDeadline", output, StringComparison.Ordinal);
    }
}
