using System.Net;
using System.Net.Http.Json;
using Checkup.Core.Images;
using Checkup.Functions.Admin;
using Checkup.Tests.Infrastructure;
using Checkup.Tests.Submissions;

namespace Checkup.Tests.Admin;

public sealed class AdminImagesTests(AdminApp app) : IClassFixture<AdminApp>
{
    private readonly AdminData _data = app.Data;

    [Fact]
    public async Task The_default_listing_shows_failed_and_stuck_images_but_not_given_up_or_healthy_ones()
    {
        var owner = Users.New("owner");
        var now = DateTime.UtcNow;
        var failed = await _data.ImageAsync(owner, "cld-upload-failure", now.AddHours(-3), error: "Cloudinary answered 500", attempts: 2, nextAttemptAt: now.AddMinutes(5));
        var exhausted = await _data.ImageAsync(owner, "cld-upload-failure", now.AddHours(-3), error: "Cloudinary answered 400", attempts: 8); // no next attempt: waits for an operator
        var lost = await _data.ImageAsync(owner, "local-upload-failure", now.AddHours(-2), error: "Staging the upload failed");
        var givenUp = await _data.ImageAsync(owner, "cld-upload-failure", now.AddHours(-2), error: "Cloudinary answered 400", givenUpAt: now.AddHours(-1));
        var stuckUpload = await _data.ImageAsync(owner, "uploaded", now.AddHours(-1), now.AddHours(-1));
        var stuckStaged = await _data.ImageAsync(owner, "saved-locally", now.AddHours(-1), now.AddMinutes(-30));
        await _data.ImageAsync(owner, "saved-locally", now.AddMinutes(-1), now.AddMinutes(-1)); // on its way, not stuck
        await _data.ImageAsync(owner, "saved-cld", now.AddHours(-5));

        var listed = (await app.Admin().AllPagesAsync<AdminImageDto>("/api/admin/images?limit=2")).Where(i => i.OwnerId == owner).ToList();

        Assert.Equal(new[] { failed, exhausted, lost, stuckUpload, stuckStaged }.Order(), listed.Select(i => i.Id).Order());
        var first = listed.Single(i => i.Id == failed);
        Assert.Equal(("cld-upload-failure", "Cloudinary answered 500", 2, false), (first.Status, first.Error, first.Attempts, first.Stuck));
        Assert.Equal(now.AddMinutes(5), first.NextAttemptAt!.Value, TimeSpan.FromMilliseconds(1));
        Assert.Equal("made by the test", Assert.Single(first.Log).Message);
        Assert.True(listed.Single(i => i.Id == stuckUpload).Stuck);
        Assert.True(listed.Single(i => i.Id == stuckStaged).Stuck);
        Assert.DoesNotContain(listed, i => i.Id == givenUp);
    }

    [Fact]
    public async Task A_status_filter_lists_every_image_in_those_statuses_given_up_ones_included_page_by_page()
    {
        var owner = Users.New("owner");
        var mine = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            mine.Add(await _data.ImageAsync(owner, "local-upload-failure", DateTime.UtcNow.AddMinutes(-10 + i), givenUpAt: i == 0 ? DateTime.UtcNow : null));
        }

        var saved = await _data.ImageAsync(owner, "saved-cld");
        var admin = app.Admin();

        var failures = await admin.AllPagesAsync<AdminImageDto>("/api/admin/images?status=local-upload-failure&limit=2");
        var both = await admin.AllPagesAsync<AdminImageDto>("/api/admin/images?status=saved-cld,local-upload-failure&limit=3");

        Assert.All(failures, i => Assert.Equal("local-upload-failure", i.Status));
        Assert.Equal(failures.Count, failures.Select(i => i.Id).Distinct().Count());
        Assert.Equal(mine, failures.Where(i => i.OwnerId == owner).Select(i => i.Id));
        Assert.NotNull(failures.Single(i => i.Id == mine[0]).GivenUpAt);
        Assert.Equal([.. mine, saved], both.Where(i => i.OwnerId == owner).Select(i => i.Id).Order());
    }

    [Theory]
    [InlineData("status=failed", "status")]
    [InlineData("status=saved-cld,broken", "status")]
    [InlineData("limit=500", "limit")]
    [InlineData("cursor=%%%", "cursor")]
    public async Task A_malformed_status_page_size_or_cursor_gets_400_naming_it(string query, string parameter)
    {
        var response = await app.Admin().GetAsync("/api/admin/images?" + query);

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out _), problem.ToString());
    }

    [Fact]
    public async Task Giving_up_stops_every_automatic_retry_is_idempotent_and_an_admin_retry_takes_it_back()
    {
        await using var pipeline = await ImagePipeline.StartAsync(); // runs the cleanup: a database of its own
        pipeline.Cloudinary.FailAlways = new StandInFailure.Status(503);
        var id = await pipeline.UploadImageAsync(Users.New());
        await pipeline.DeliverQueuedAsync();
        Assert.NotNull((await pipeline.RowAsync(id)).NextAttemptAt); // failed, retry scheduled
        var admin = pipeline.Client(Users.New("admin"), admin: true);

        var first = await admin.PostAsync($"/api/admin/images/{id}/give-up", null);
        var given = await first.Content.ReadFromJsonAsync<AdminImageDto>();
        var again = await admin.PostAsync($"/api/admin/images/{id}/give-up", null);
        var row = await pipeline.RowAsync(id);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(ImageStatus.CloudinaryUploadFailure, given!.Status);
        Assert.NotNull(given.GivenUpAt);
        Assert.Null(given.NextAttemptAt);
        Assert.Equal(given.GivenUpAt, (await again.Content.ReadFromJsonAsync<AdminImageDto>())!.GivenUpAt);
        Assert.Single(row.LogEntries(), e => e.Message.StartsWith("Given up by an administrator", StringComparison.Ordinal) && e.By != null);

        // Nothing brings it back by itself: the cleanup does not queue it, a stale message does not push it.
        pipeline.Cloudinary.FailAlways = null;
        var uploadsBefore = pipeline.Cloudinary.UploadRequests;
        Assert.True(await pipeline.WaitForQueuedAsync(DateTime.UtcNow.AddSeconds(30))); // the retry's message, scheduled before the give-up
        await pipeline.DeliverQueuedAsync();
        Assert.Equal(uploadsBefore, pipeline.Cloudinary.UploadRequests);
        await pipeline.ExecuteAsync("update images set updated_at = now() - interval '1 day' where id = @id", new { id });
        await pipeline.RunCleanupAsync();
        Assert.Equal(0, await pipeline.QueuedCountAsync());
        Assert.True((await pipeline.ProcessAsync(ImagePipeline.MessageFor(id))).Succeeded);
        Assert.Equal(uploadsBefore, pipeline.Cloudinary.UploadRequests);
        Assert.Equal(ImageStatus.CloudinaryUploadFailure, (await pipeline.RowAsync(id)).Status);
        Assert.DoesNotContain(await admin.AllPagesAsync<AdminImageDto>("/api/admin/images?limit=200"), i => i.Id == id);

        var retry = await admin.PostAsync($"/api/admin/images/{id}/retry", null);
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        Assert.Null((await pipeline.RowAsync(id)).GivenUpAt);
        var final = await pipeline.DriveAsync(id);
        Assert.Equal(ImageStatus.SavedInCloudinary, final.Status);
    }

    [Fact]
    public async Task Giving_up_refuses_an_image_that_has_not_failed_and_answers_404_for_an_unknown_one()
    {
        var saved = await _data.ImageAsync(Users.New(), "saved-cld");
        var staged = await _data.ImageAsync(Users.New(), "saved-locally");
        var admin = app.Admin();
        var before = await _data.RowsAsJsonAsync("select row_to_json(i)::text from images i where id = any(@ids) order by id", new { ids = new[] { saved, staged } });

        await (await admin.PostAsync($"/api/admin/images/{saved}/give-up", null)).ProblemAsync(HttpStatusCode.Conflict, "image_not_failed");
        await (await admin.PostAsync($"/api/admin/images/{staged}/give-up", null)).ProblemAsync(HttpStatusCode.Conflict, "image_not_failed");
        await (await admin.PostAsync($"/api/admin/images/{Guid.NewGuid()}/give-up", null)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await app.Pipeline.Client(Users.New()).PostAsync($"/api/admin/images/{saved}/give-up", null)).ProblemAsync(HttpStatusCode.Forbidden, "forbidden");

        Assert.Equal(before, await _data.RowsAsJsonAsync("select row_to_json(i)::text from images i where id = any(@ids) order by id", new { ids = new[] { saved, staged } }));
    }
}
