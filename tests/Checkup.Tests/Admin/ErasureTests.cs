using System.Net;
using System.Text.Json;
using Checkup.Tests.Infrastructure;
using Checkup.Tests.Submissions;

namespace Checkup.Tests.Admin;

/// <summary>Each test has its own database, container, queue and Cloudinary stand-in: it compares everything of everyone.</summary>
public sealed partial class ErasureTests : IAsyncLifetime
{
    private readonly AdminApp _app = new();
    private ImagePipeline Pipeline => _app.Pipeline;

    public Task InitializeAsync() => _app.InitializeAsync();

    public Task DisposeAsync() => _app.DisposeAsync();

    [Fact]
    public async Task Erasure_removes_everything_of_the_person_and_nothing_of_anyone_else_and_a_repeat_finds_nothing()
    {
        var person = await PersonWithEverythingAsync($"auth0|{Guid.NewGuid():N}/Пётр");
        var other = await PersonWithEverythingAsync(Users.New("other"));
        var drafter = Users.New("drafter");
        await new SubmissionClient(Pipeline.Client(drafter)).StartedAsync();
        var othersBefore = await SnapshotAsync(other);
        var drafterBefore = await _app.Data.RowsAsJsonAsync("select row_to_json(s)::text from submissions s where author_id = @drafter", new { drafter });
        Assert.NotEmpty(await TracesAsync(person));

        var response = await EraseAsync(person.Sub);
        var receipt = await response.JsonAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(person.Sub, receipt.GetProperty("sub").GetString());
        Assert.True(receipt.GetProperty("completed").GetBoolean());
        Assert.False(receipt.GetProperty("nothingFound").GetBoolean());
        Assert.Equal(person.SubmissionId, receipt.GetProperty("submissionId").GetGuid());
        Assert.Equal(person.Images.Order(), receipt.GetProperty("imageIds").EnumerateArray().Select(e => e.GetGuid()).Order());
        Assert.Equal(1, receipt.GetProperty("idempotencyKeys").GetInt32());
        Assert.Equal(person.SavedImages.Select(i => $"checkup/{i}").Order(), Strings(receipt.GetProperty("cloudinaryAssets").GetProperty("deleted")));
        Assert.Equal([$"checkup/{person.FailedImage}"], Strings(receipt.GetProperty("cloudinaryAssets").GetProperty("alreadyGone")));
        Assert.Equal([.. person.Images.Select(i => $"img-{i}"), person.StrayBlob], Strings(receipt.GetProperty("stagedBlobs").GetProperty("deleted")).Order());
        var deleted = receipt.GetProperty("deleted");
        Assert.Equal((1, 5, 1, 6, 4), (deleted.GetProperty("submissions").GetInt32(), deleted.GetProperty("images").GetInt32(),
            deleted.GetProperty("idempotencyKeys").GetInt32(), deleted.GetProperty("stagedBlobs").GetInt32(), deleted.GetProperty("cloudinaryAssets").GetInt32()));

        Assert.Empty(await TracesAsync(person));
        foreach (var image in person.Images)
        {
            Assert.False(await Pipeline.StagedBlobExistsAsync(image));
            Assert.Null(Pipeline.Cloudinary.Asset($"checkup/{image}"));
        }

        Assert.False((await Pipeline.Storage.Staging.GetBlobClient(person.StrayBlob).ExistsAsync()).Value);
        Assert.Equal(person.SavedImages.Select(i => $"checkup/{i} (invalidated)").Order(), Pipeline.Cloudinary.Destroyed.Order());
        Assert.Equal(othersBefore, await SnapshotAsync(other));
        Assert.Equal(drafterBefore, await _app.Data.RowsAsJsonAsync("select row_to_json(s)::text from submissions s where author_id = @drafter", new { drafter }));
        await (await Pipeline.Client(person.Sub).GetAsync("/api/submission")).ProblemAsync(HttpStatusCode.NotFound, "submission_not_found");

        var repeat = await EraseAsync(person.Sub);
        var second = await repeat.JsonAsync();

        Assert.Equal(HttpStatusCode.OK, repeat.StatusCode);
        Assert.True(second.GetProperty("nothingFound").GetBoolean());
        Assert.True(second.GetProperty("completed").GetBoolean());
        Assert.Equal(JsonValueKind.Null, second.GetProperty("submissionId").ValueKind);
        Assert.Empty(second.GetProperty("imageIds").EnumerateArray());
        Assert.Empty(second.GetProperty("cloudinaryAssets").GetProperty("deleted").EnumerateArray());
        Assert.Empty(second.GetProperty("stagedBlobs").GetProperty("deleted").EnumerateArray());
        Assert.Equal(othersBefore, await SnapshotAsync(other));
    }

    [Fact]
    public async Task An_erasure_waits_for_an_in_flight_push_and_destroys_what_it_pushed()
    {
        var sub = Users.New("racing");
        var image = await Pipeline.UploadImageAsync(sub);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Pipeline.Cloudinary.BeforeUploadStored = async () =>
        {
            entered.TrySetResult();
            await release.Task;
        };

        try
        {
            var push = Pipeline.DeliverQueuedAsync(); // ProcessImage holds the row while Cloudinary has the upload
            await entered.Task.WaitAsync(TimeSpan.FromSeconds(60));
            var erase = EraseAsync(sub);
            var waited = await WaitForLockWaitAsync(erase);
            release.TrySetResult(); // the push stores the asset only now, after the erasure started
            Assert.Equal(1, await push);
            var response = await erase;
            var receipt = await response.JsonAsync();

            Assert.True(waited, "the erasure did not wait for the row lock of the push in flight");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal([$"checkup/{image}"], Strings(receipt.GetProperty("cloudinaryAssets").GetProperty("deleted")));
            Assert.Null(Pipeline.Cloudinary.Asset($"checkup/{image}"));
            Assert.Equal(0L, await _app.Data.ScalarAsync<long>("select count(*) from images where owner_id = @sub", new { sub }));
            Assert.False(await Pipeline.StagedBlobExistsAsync(image));
        }
        finally
        {
            release.TrySetResult();
            Pipeline.Cloudinary.BeforeUploadStored = null;
        }
    }

    [Fact]
    public async Task A_message_delivered_after_the_erasure_and_the_cleanup_bring_nothing_back()
    {
        var sub = Users.New("queued");
        var image = await Pipeline.UploadImageAsync(sub); // its message is still on the queue
        Assert.Equal(1, await Pipeline.QueuedCountAsync());

        Assert.Equal(HttpStatusCode.OK, (await EraseAsync(sub)).StatusCode);
        var uploads = Pipeline.Cloudinary.UploadRequests;
        Assert.Equal(1, await Pipeline.DeliverQueuedAsync());
        await Pipeline.ExecuteAsync("update images set updated_at = now() - interval '1 day'"); // anything else would now be due
        await Pipeline.RunCleanupAsync();

        Assert.Equal(uploads, Pipeline.Cloudinary.UploadRequests);
        Assert.Null(Pipeline.Cloudinary.Asset($"checkup/{image}"));
        Assert.Equal(0, Pipeline.Cloudinary.AssetCount);
        Assert.Equal(0L, await _app.Data.ScalarAsync<long>("select count(*) from images"));
        Assert.Empty(await Pipeline.StagedBlobNamesAsync());
    }

    [Fact]
    public async Task A_cloudinary_failure_midway_keeps_the_rows_and_repeating_the_request_finishes_the_erasure()
    {
        var person = await PersonWithEverythingAsync(Users.New("unlucky"));
        Pipeline.Cloudinary.DestroyFailure = 500;

        var failed = await EraseAsync(person.Sub);
        var problem = await failed.ProblemAsync(HttpStatusCode.ServiceUnavailable, "erasure_incomplete");

        Assert.False(problem.GetProperty("receipt").GetProperty("completed").GetBoolean());
        Assert.NotNull(failed.Headers.RetryAfter);
        Assert.Equal(person.SubmissionId, await _app.Data.ScalarAsync<Guid>("select id from submissions where author_id = @sub", new { sub = person.Sub }));
        Assert.Equal(5L, await _app.Data.ScalarAsync<long>("select count(*) from images where owner_id = @sub", new { sub = person.Sub }));

        Pipeline.Cloudinary.DestroyFailure = null;
        var repeat = await EraseAsync(person.Sub);

        Assert.Equal(HttpStatusCode.OK, repeat.StatusCode);
        Assert.Empty(await TracesAsync(person));
        Assert.All(person.SavedImages, i => Assert.Null(Pipeline.Cloudinary.Asset($"checkup/{i}")));
        Assert.False((await Pipeline.Storage.Staging.GetBlobClient(person.StrayBlob).ExistsAsync()).Value);
    }

    [Fact]
    public async Task Only_admins_can_erase_and_a_refused_request_changes_nothing()
    {
        var person = await PersonWithEverythingAsync(Users.New("kept"));
        var before = await SnapshotAsync(person);

        await (await EraseAsync(person.Sub, admin: false)).ProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        var own = await Pipeline.Client(person.Sub).DeleteAsync(ErasureUrl(person.Sub));
        await own.ProblemAsync(HttpStatusCode.Forbidden, "forbidden");

        Assert.Equal(before, await SnapshotAsync(person));
    }
}
