using System.Net;
using Checkup.Tests.Infrastructure;

namespace Checkup.Tests.Submissions;

/// <summary>Spec section 1: what GET /api/submission tells the frontend in each state of a person.</summary>
public sealed class GatingTests(SubmissionsFactory factory) : IClassFixture<SubmissionsFactory>
{
    [Fact]
    public async Task A_person_moves_from_401_to_404_to_draft_to_submitted()
    {
        var anonymous = new SubmissionClient(factory.CreateClient());
        var user = Users.New();
        var person = new SubmissionClient(factory.ClientFor(user));
        var images = await Db.ImagesAsync(user);

        var signedOut = await anonymous.GetAsync();
        await signedOut.ProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");

        var neverStarted = await person.GetAsync();
        await neverStarted.ProblemAsync(HttpStatusCode.NotFound, "submission_not_found");

        var start = await person.StartAsync();
        Assert.Equal(HttpStatusCode.Created, start.StatusCode);
        var draft = await person.GetAsync();
        var draftBody = await draft.JsonAsync();
        Assert.Equal(HttpStatusCode.OK, draft.StatusCode);
        Assert.Equal("draft", draftBody.GetProperty("status").GetString());
        Assert.Equal("\"1\"", draft.ETag());
        Assert.False(draftBody.GetProperty("canSubmit").GetBoolean());

        Assert.Equal(HttpStatusCode.OK, (await person.SubmitAsync(Forms.Complete(images))).StatusCode);
        var submitted = await person.GetAsync();
        var submittedBody = await submitted.JsonAsync();
        Assert.Equal(HttpStatusCode.OK, submitted.StatusCode);
        Assert.Equal("submitted", submittedBody.GetProperty("status").GetString());
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, submittedBody.GetProperty("submittedAt").ValueKind);
        Assert.False(submittedBody.GetProperty("canSubmit").GetBoolean());
        Assert.Equal("submitted", submittedBody.GetProperty("blockingReasons")[0].GetProperty("code").GetString());
    }

    [Fact]
    public async Task Starting_twice_returns_the_same_submission_201_then_200()
    {
        var person = new SubmissionClient(factory.ClientFor(Users.New()));

        var first = await person.StartAsync();
        var second = await person.StartAsync();
        var firstBody = await first.JsonAsync();
        var secondBody = await second.JsonAsync();

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal("/api/submission", first.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(firstBody.GetProperty("id").GetString(), secondBody.GetProperty("id").GetString());
        Assert.Equal(1, secondBody.GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task Concurrent_starts_create_exactly_one_submission()
    {
        var person = new SubmissionClient(factory.ClientFor(Users.New()));

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => person.StartAsync()));
        var ids = await Task.WhenAll(answers.Select(async a => (await a.JsonAsync()).GetProperty("id").GetString()));

        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.Created);
        Assert.All(answers, a => Assert.True(a.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK));
        Assert.Single(ids.Distinct());
    }

    [Fact]
    public async Task A_new_draft_has_three_empty_slots_and_says_what_blocks_submitting()
    {
        var person = new SubmissionClient(factory.ClientFor(Users.New()));

        var body = await person.StartedAsync();

        var projects = body.GetProperty("projects");
        Assert.Equal(3, projects.GetArrayLength());
        Assert.Equal([1, 2, 3], projects.EnumerateArray().Select(p => p.GetProperty("slot").GetInt32()));
        Assert.All(projects.EnumerateArray(), p => Assert.Equal(System.Text.Json.JsonValueKind.Null, p.GetProperty("image").ValueKind));
        var reasons = body.GetProperty("blockingReasons").EnumerateArray().Select(r => r.GetProperty("field").GetString()).ToList();
        Assert.Equal(12, reasons.Count); // name, description, role, image of each of the three projects
        Assert.Contains("projects[0].name", reasons);
        Assert.Contains("projects[2].imageId", reasons);
    }
}
