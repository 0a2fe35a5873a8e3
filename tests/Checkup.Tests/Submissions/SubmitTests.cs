using System.Net;
using Checkup.Tests.Infrastructure;
using Dapper;
using Npgsql;

namespace Checkup.Tests.Submissions;

public sealed class SubmitTests(SubmissionsFactory factory) : IClassFixture<SubmissionsFactory>
{
    [Fact]
    public async Task Submit_stores_the_body_and_sets_submitted_and_submitted_at()
    {
        var user = Users.New();
        var person = new SubmissionClient(factory.ClientFor(user));
        var images = await Db.ImagesAsync(user);
        await person.StartedAsync();

        var submit = await person.SubmitAsync(Forms.Complete(images, " v2"), "\"1\"");
        var body = await submit.JsonAsync();

        Assert.Equal(HttpStatusCode.OK, submit.StatusCode);
        Assert.Equal("\"2\"", submit.ETag());
        Assert.Equal("submitted", body.GetProperty("status").GetString());
        Assert.Equal("Portfolio site v2", body.GetProperty("projects")[0].GetProperty("name").GetString());
        Assert.Equal(images[2].ToString(), body.GetProperty("projects")[2].GetProperty("imageId").GetString());
        Assert.Equal((2, "submitted"), await Db.VersionAsync(user));
    }

    [Fact]
    public async Task Submit_with_missing_fields_returns_422_with_field_errors_and_changes_nothing()
    {
        var user = Users.New();
        var person = new SubmissionClient(factory.ClientFor(user));
        var image = await Db.ImageAsync(user);
        await person.StartedAsync();
        var before = await Db.RowAsync(user);

        var submit = await person.SubmitAsync(Forms.Of(Forms.Project("Only a name", "  ", null, image)));

        var problem = await submit.ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed");
        var fields = problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.Contains("projects[0].description", fields);
        Assert.Contains("projects[0].role", fields);
        Assert.Contains("projects[1].name", fields);
        Assert.Contains("projects[2].imageId", fields);
        Assert.DoesNotContain("projects[0].name", fields);
        Assert.DoesNotContain("projects[0].imageId", fields);
        Assert.Equal(before, await Db.RowAsync(user));
    }

    [Theory]
    [InlineData("saved-locally")]
    [InlineData("saved-cld")]
    [InlineData("cld-upload-failure")]
    public async Task Submit_accepts_an_image_whose_bytes_are_safe(string status)
    {
        var user = Users.New();
        var person = new SubmissionClient(factory.ClientFor(user));
        var images = new[] { await Db.ImageAsync(user), await Db.ImageAsync(user, status), await Db.ImageAsync(user) };
        await person.StartedAsync();

        var submit = await person.SubmitAsync(Forms.Complete(images));

        Assert.Equal(HttpStatusCode.OK, submit.StatusCode);
        Assert.Equal((2, "submitted"), await Db.VersionAsync(user));
    }

    [Theory]
    [InlineData("uploaded")]
    [InlineData("local-upload-failure")]
    public async Task Submit_refuses_an_image_that_is_not_stored_with_422_image_not_ready(string status)
    {
        var user = Users.New();
        var person = new SubmissionClient(factory.ClientFor(user));
        var images = new[] { await Db.ImageAsync(user), await Db.ImageAsync(user, status), await Db.ImageAsync(user) };
        await person.StartedAsync();
        var before = await Db.RowAsync(user);

        var submit = await person.SubmitAsync(Forms.Complete(images));

        var problem = await submit.ProblemAsync(HttpStatusCode.UnprocessableEntity, "image_not_ready");
        Assert.Equal(["projects[1].imageId"], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name));
        Assert.Equal(before, await Db.RowAsync(user));
    }

    [Fact]
    public async Task Submit_refuses_an_image_whose_cloudinary_push_failed_for_good_and_says_so_in_blocking_reasons()
    {
        var user = Users.New();
        var person = new SubmissionClient(factory.ClientFor(user));
        var images = new[] { await Db.ImageAsync(user), await Db.ImageAsync(user, "cld-upload-failure", failedForGood: true), await Db.ImageAsync(user) };
        await person.StartedAsync();
        var draft = await (await person.SaveAsync(Forms.Complete(images))).JsonAsync();
        var before = await Db.RowAsync(user);

        var submit = await person.SubmitAsync(Forms.Complete(images));

        Assert.False(draft.GetProperty("canSubmit").GetBoolean());
        Assert.Contains(draft.GetProperty("blockingReasons").EnumerateArray(),
            r => r.GetProperty("field").GetString() == "projects[1].imageId" && r.GetProperty("code").GetString() == "image_not_ready");
        var problem = await submit.ProblemAsync(HttpStatusCode.UnprocessableEntity, "image_not_ready");
        Assert.Equal(["projects[1].imageId"], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name));
        Assert.Equal(before, await Db.RowAsync(user));
    }

    [Fact]
    public async Task Submit_with_another_persons_image_gets_422_image_not_owned_and_changes_nothing()
    {
        var user = Users.New();
        var person = new SubmissionClient(factory.ClientFor(user));
        var images = new[] { await Db.ImageAsync(user), await Db.ImageAsync(Users.New("other")), await Db.ImageAsync(user) };
        await person.StartedAsync();
        var before = await Db.RowAsync(user);

        var submit = await person.SubmitAsync(Forms.Complete(images));

        var problem = await submit.ProblemAsync(HttpStatusCode.UnprocessableEntity, "image_not_owned");
        Assert.Equal(["projects[1].imageId"], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name));
        Assert.Equal(before, await Db.RowAsync(user));
    }

    [Fact]
    public async Task An_identical_repeated_submit_returns_the_same_200_and_a_different_one_gets_409()
    {
        var user = Users.New();
        var person = new SubmissionClient(factory.ClientFor(user));
        var images = await Db.ImagesAsync(user);
        await person.StartedAsync();

        var first = await person.SubmitAsync(Forms.Complete(images), "\"1\"");
        var repeat = await person.SubmitAsync(Forms.Complete(images), "\"1\""); // the retry of a request whose answer was lost
        var after = await Db.RowAsync(user);
        var different = await person.SubmitAsync(Forms.Complete(images, " changed"));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, repeat.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await repeat.Content.ReadAsStringAsync());
        Assert.Equal(first.ETag(), repeat.ETag());
        await different.ProblemAsync(HttpStatusCode.Conflict, "submitted");
        Assert.Equal(after, await Db.RowAsync(user));
    }

    [Fact]
    public async Task Ten_concurrent_identical_submits_make_exactly_one_transition_and_ten_identical_200s()
    {
        var user = Users.New();
        var images = await Db.ImagesAsync(user);
        var tabs = Enumerable.Range(0, 10).Select(_ => new SubmissionClient(factory.ClientFor(user))).ToList();
        await tabs[0].StartedAsync();

        var answers = await Task.WhenAll(tabs.Select(tab => tab.SubmitAsync(Forms.Complete(images), "\"1\"")));
        var bodies = await Task.WhenAll(answers.Select(a => a.Content.ReadAsStringAsync()));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        Assert.Single(bodies.Distinct());
        Assert.Single(answers.Select(a => a.ETag()).Distinct());
        // One transition: the version moved from 1 to 2 once, and submitted_at was set once.
        Assert.Equal((2, "submitted"), await Db.VersionAsync(user));
        await using var connection = new NpgsqlConnection(TestEnvironment.Postgres);
        var submittedAt = await connection.QuerySingleAsync<DateTime>("select submitted_at from submissions where author_id = @user", new { user });
        Assert.Contains(submittedAt.ToString("yyyy-MM-ddTHH:mm:ss", System.Globalization.CultureInfo.InvariantCulture), bodies[0]);
    }

    [Fact]
    public async Task Submit_with_a_stale_if_match_gets_412_with_the_current_copy()
    {
        var user = Users.New();
        var person = new SubmissionClient(factory.ClientFor(user));
        var images = await Db.ImagesAsync(user);
        await person.StartedAsync();
        await person.SaveAsync(Forms.Of(Forms.Project("saved elsewhere", null, null, null)));
        var before = await Db.RowAsync(user);

        var submit = await person.SubmitAsync(Forms.Complete(images), "\"1\"");

        var problem = await submit.ProblemAsync(HttpStatusCode.PreconditionFailed, "version_mismatch");
        Assert.Equal("saved elsewhere", problem.GetProperty("current").GetProperty("projects")[0].GetProperty("name").GetString());
        Assert.Equal("\"2\"", submit.ETag());
        Assert.Equal(before, await Db.RowAsync(user));
    }

    [Fact]
    public async Task Submit_before_starting_gets_404()
    {
        var user = Users.New();
        var person = new SubmissionClient(factory.ClientFor(user));

        var submit = await person.SubmitAsync(Forms.Complete(await Db.ImagesAsync(user)));

        await submit.ProblemAsync(HttpStatusCode.NotFound, "submission_not_found");
        Assert.Null(await Db.RowAsync(user));
    }
}
