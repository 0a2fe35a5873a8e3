using System.Net;
using System.Text.Json;
using Checkup.Tests.Infrastructure;

namespace Checkup.Tests.Submissions;

public sealed class DraftTests(SubmissionsFactory factory) : IClassFixture<SubmissionsFactory>
{
    [Fact]
    public async Task Saving_a_partial_draft_stores_it_bumps_the_version_and_returns_the_new_etag()
    {
        var user = Users.New();
        var person = new SubmissionClient(factory.ClientFor(user));
        await person.StartedAsync();

        var save = await person.SaveAsync(Forms.Of(Forms.Project("Half a name", null, null, null)), "\"1\"");
        var body = await save.JsonAsync();
        var reread = await (await person.GetAsync()).JsonAsync();

        Assert.Equal(HttpStatusCode.OK, save.StatusCode);
        Assert.Equal("\"2\"", save.ETag());
        Assert.Equal(2, body.GetProperty("version").GetInt32());
        Assert.Equal("Half a name", reread.GetProperty("projects")[0].GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, reread.GetProperty("projects")[1].GetProperty("name").ValueKind);
        Assert.Equal((2, "draft"), await Db.VersionAsync(user));
    }

    [Fact]
    public async Task Two_tabs_first_save_wins_second_gets_412_with_the_server_copy_and_nothing_is_overwritten()
    {
        var user = Users.New();
        var tabA = new SubmissionClient(factory.ClientFor(user));
        var tabB = new SubmissionClient(factory.ClientFor(user));
        await tabA.StartedAsync();
        var loadA = await tabA.GetAsync();
        var loadB = await tabB.GetAsync();
        Assert.Equal("\"1\"", loadA.ETag());
        Assert.Equal("\"1\"", loadB.ETag());

        var saveA = await tabA.SaveAsync(Forms.Of(Forms.Project("Written in tab A", null, null, null)), loadA.ETag());
        var saveB = await tabB.SaveAsync(Forms.Of(Forms.Project("Written in tab B", null, null, null)), loadB.ETag());

        Assert.Equal(HttpStatusCode.OK, saveA.StatusCode);
        var problem = await saveB.ProblemAsync(HttpStatusCode.PreconditionFailed, "version_mismatch");
        Assert.Equal("\"2\"", saveB.ETag());
        var current = problem.GetProperty("current");
        Assert.Equal(2, current.GetProperty("version").GetInt32());
        Assert.Equal("Written in tab A", current.GetProperty("projects")[0].GetProperty("name").GetString());
        var stored = await (await tabA.GetAsync()).JsonAsync();
        Assert.Equal("Written in tab A", stored.GetProperty("projects")[0].GetProperty("name").GetString());
        Assert.Equal((2, "draft"), await Db.VersionAsync(user));

        // Tab B merges and retries with the ETag it was given: now it wins.
        var retry = await tabB.SaveAsync(Forms.Of(Forms.Project("Merged in tab B", null, null, null)), saveB.ETag());
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal("\"3\"", retry.ETag());
    }

    [Theory]
    [InlineData("*")]
    [InlineData(null)]
    public async Task A_save_without_a_specific_if_match_is_accepted(string? ifMatch)
    {
        var person = new SubmissionClient(factory.ClientFor(Users.New()));
        await person.StartedAsync();
        await person.SaveAsync(Forms.Of(Forms.Project("one", null, null, null)));

        var save = await person.SaveAsync(Forms.Of(Forms.Project("two", null, null, null)), ifMatch);

        Assert.Equal(HttpStatusCode.OK, save.StatusCode);
        Assert.Equal("\"3\"", save.ETag());
    }

    [Theory]
    [InlineData("W/\"1\"")]
    [InlineData("1")]
    [InlineData("\"banana\"")]
    public async Task A_weak_or_unreadable_if_match_gets_412_and_changes_nothing(string ifMatch)
    {
        var user = Users.New();
        var person = new SubmissionClient(factory.ClientFor(user));
        await person.StartedAsync();
        var before = await Db.RowAsync(user);

        var save = await person.SaveAsync(Forms.Of(Forms.Project("x", null, null, null)), ifMatch);

        await save.ProblemAsync(HttpStatusCode.PreconditionFailed, "version_mismatch");
        Assert.Equal(before, await Db.RowAsync(user));
    }

    [Fact]
    public async Task A_draft_save_after_submit_gets_409_submitted_and_the_submitted_data_is_unchanged()
    {
        var user = Users.New();
        var person = new SubmissionClient(factory.ClientFor(user));
        var images = await Db.ImagesAsync(user);
        await person.StartedAsync();
        Assert.Equal(HttpStatusCode.OK, (await person.SubmitAsync(Forms.Complete(images))).StatusCode);
        var before = await Db.RowAsync(user);

        var late = await person.SaveAsync(Forms.Of(Forms.Project("A late autosave", null, null, null)));
        var lateWithVersion = await person.SaveAsync(Forms.Of(Forms.Project("A late autosave", null, null, null)), "\"2\"");

        await late.ProblemAsync(HttpStatusCode.Conflict, "submitted");
        await lateWithVersion.ProblemAsync(HttpStatusCode.Conflict, "submitted");
        Assert.Equal(before, await Db.RowAsync(user));
        var stored = await (await person.GetAsync()).JsonAsync();
        Assert.Equal("Portfolio site", stored.GetProperty("projects")[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task Saving_before_starting_gets_404_and_creates_nothing()
    {
        var user = Users.New();
        var person = new SubmissionClient(factory.ClientFor(user));

        var save = await person.SaveAsync(Forms.Of(Forms.Project("x", null, null, null)));

        await save.ProblemAsync(HttpStatusCode.NotFound, "submission_not_found");
        Assert.Null(await Db.RowAsync(user));
    }

    [Fact]
    public async Task Attaching_another_persons_image_or_an_unknown_id_gets_the_same_422_and_changes_nothing()
    {
        var user = Users.New();
        var person = new SubmissionClient(factory.ClientFor(user));
        var someoneElses = await Db.ImageAsync(Users.New("other"));
        var unknown = Guid.CreateVersion7();
        await person.StartedAsync();
        var before = await Db.RowAsync(user);

        var theirs = await person.SaveAsync(Forms.Of(Forms.Project("x", null, null, someoneElses)));
        var nobodys = await person.SaveAsync(Forms.Of(Forms.Project("x", null, null, unknown)));

        var theirsBody = await theirs.ProblemAsync(HttpStatusCode.UnprocessableEntity, "image_not_owned");
        var nobodysBody = await nobodys.ProblemAsync(HttpStatusCode.UnprocessableEntity, "image_not_owned");
        // Same title, detail and message either way: the answer never says whether the id exists.
        Assert.Equal(theirsBody.GetProperty("detail").GetString(), nobodysBody.GetProperty("detail").GetString());
        Assert.Equal(theirsBody.GetProperty("errors").GetRawText(), nobodysBody.GetProperty("errors").GetRawText());
        Assert.True(theirsBody.GetProperty("errors").TryGetProperty("projects[0].imageId", out _));
        Assert.Equal(before, await Db.RowAsync(user));
    }

    [Fact]
    public async Task A_draft_shows_each_images_status_and_accepts_images_not_ready_for_submit()
    {
        var user = Users.New();
        var person = new SubmissionClient(factory.ClientFor(user));
        var stored = await Db.ImageAsync(user, "saved-cld");
        var uploading = await Db.ImageAsync(user, "uploaded");
        var failed = await Db.ImageAsync(user, "local-upload-failure");
        await person.StartedAsync();

        var save = await person.SaveAsync(Forms.Of(
            Forms.Project("a", "b", "c", stored), Forms.Project("a", "b", "c", uploading), Forms.Project("a", "b", "c", failed)));
        var body = await save.JsonAsync();

        Assert.Equal(HttpStatusCode.OK, save.StatusCode);
        var projects = body.GetProperty("projects");
        Assert.Equal("saved-cld", projects[0].GetProperty("image").GetProperty("status").GetString());
        Assert.StartsWith("https://", projects[0].GetProperty("image").GetProperty("url").GetString());
        Assert.Equal("uploaded", projects[1].GetProperty("image").GetProperty("status").GetString());
        Assert.Equal("local-upload-failure", projects[2].GetProperty("image").GetProperty("status").GetString());
        Assert.Equal("simulated failure", projects[2].GetProperty("image").GetProperty("error").GetString());
        Assert.False(body.GetProperty("canSubmit").GetBoolean());
        var blocking = body.GetProperty("blockingReasons").EnumerateArray().Select(r => (r.GetProperty("field").GetString(), r.GetProperty("code").GetString())).ToList();
        Assert.Equal([("projects[1].imageId", "image_not_ready"), ("projects[2].imageId", "image_not_ready")], blocking);
    }

    [Fact]
    public async Task A_complete_draft_with_stored_images_can_be_submitted()
    {
        var user = Users.New();
        var person = new SubmissionClient(factory.ClientFor(user));
        await person.StartedAsync();

        var body = await (await person.SaveAsync(Forms.Complete(await Db.ImagesAsync(user, 3, "saved-locally")))).JsonAsync();

        Assert.True(body.GetProperty("canSubmit").GetBoolean());
        Assert.Equal(0, body.GetProperty("blockingReasons").GetArrayLength());
    }
}
