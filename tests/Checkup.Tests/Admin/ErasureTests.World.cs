using System.Net;
using System.Text.Json;
using Checkup.Tests.Infrastructure;
using Checkup.Tests.Submissions;
using Dapper;
using Npgsql;

namespace Checkup.Tests.Admin;

/// <summary>The people, snapshots and probes the erasure tests use.</summary>
public sealed partial class ErasureTests
{
    /// <summary>A person with a submitted submission, images in Cloudinary, a failed one still staged, an idempotency key and a stray staged blob.</summary>
    private sealed record Person(string Sub, Guid SubmissionId, Guid[] SavedImages, Guid FailedImage, string StrayBlob)
    {
        public IEnumerable<Guid> Images => [.. SavedImages, FailedImage];
    }

    private async Task<Person> PersonWithEverythingAsync(string sub)
    {
        var client = Pipeline.Client(sub);
        var saved = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            saved.Add(await Pipeline.UploadImageAsync(sub));
        }

        var keyed = await ImagePipeline.UploadAsync(client, TestImages.Png(), idempotencyKey: "key-" + Guid.NewGuid());
        saved.Add((await ImagePipeline.Json(keyed)).GetProperty("id").GetGuid());
        Assert.Equal(4, await Pipeline.DeliverQueuedAsync());

        Pipeline.Cloudinary.FailNext(1, new StandInFailure.Status(400, "Invalid image file"));
        var failed = await Pipeline.UploadImageAsync(sub);
        Assert.Equal(1, await Pipeline.DeliverQueuedAsync());

        var submissions = new SubmissionClient(client);
        await submissions.StartedAsync();
        var submitted = await submissions.SubmitAsync(Forms.Complete(saved, " of " + sub));
        Assert.Equal(HttpStatusCode.OK, submitted.StatusCode);

        // Staged for this person without a row (an upload cut short): found by the blob's owner tag.
        var stray = $"img-{Guid.CreateVersion7()}";
        await Pipeline.Storage.Staging.GetBlobClient(stray).UploadAsync(new BinaryData(TestImages.Png()),
            new Azure.Storage.Blobs.Models.BlobUploadOptions
            {
                Metadata = new Dictionary<string, string> { ["owner"] = Uri.EscapeDataString(sub) },
                Tags = Checkup.Core.Images.StagedMetadata.Tags(sub), // as an upload stages it
            });
        return new Person(sub, (await submitted.JsonAsync()).GetProperty("id").GetGuid(), saved.ToArray(), failed, stray);
    }

    /// <summary>Everything stored about these people: rows as JSON, staged blobs with their ETags, Cloudinary assets.</summary>
    private async Task<string> SnapshotAsync(params Person[] people)
    {
        var subs = people.Select(p => p.Sub).ToArray();
        var rows = await _app.Data.RowsAsJsonAsync("""
            select row_to_json(s)::text from (select * from submissions where author_id = any(@subs) order by id) s
            union all select row_to_json(i)::text from (select * from images where owner_id = any(@subs) order by id) i
            union all select row_to_json(k)::text from (select * from image_idempotency_keys where owner_id = any(@subs) order by key) k
            """, new { subs });
        var blobs = new List<string>();
        await foreach (var blob in Pipeline.Storage.Staging.GetBlobsAsync())
        {
            if (people.Any(p => p.Images.Any(i => blob.Name == $"img-{i}") || blob.Name == p.StrayBlob))
            {
                blobs.Add($"{blob.Name} {blob.Properties.ETag}");
            }
        }

        var assets = people.SelectMany(p => p.Images).Order().Select(i => Pipeline.Cloudinary.Asset($"checkup/{i}")?.ToString() ?? $"checkup/{i}: none");
        Assert.NotEmpty(rows);
        return string.Join('\n', [.. rows, .. blobs.Order(), .. assets]);
    }

    /// <summary>Rows anywhere in the database (every table) whose text holds the person's id or one of their image ids.</summary>
    private async Task<List<string>> TracesAsync(Person person)
    {
        await using var connection = new NpgsqlConnection(_app.Data.ConnectionString);
        var tables = await connection.QueryAsync<string>("select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'");
        string[] patterns = [.. person.Images.Select(i => $"%{i}%"), $"%{person.Sub}%", $"%{person.SubmissionId}%"];
        var traces = new List<string>();
        foreach (var table in tables)
        {
            var count = await connection.ExecuteScalarAsync<long>($"select count(*) from \"{table}\" t where t::text like any(@patterns)", new { patterns });
            if (count > 0)
            {
                traces.Add($"{table}: {count}");
            }
        }

        return traces;
    }

    private Task<HttpResponseMessage> EraseAsync(string sub, bool admin = true) =>
        Pipeline.Client(Users.New("admin"), admin).DeleteAsync(ErasureUrl(sub));

    /// <summary>The person in the query, escaped once as every HTTP client does.</summary>
    private static string ErasureUrl(string sub) => $"/api/admin/users?sub={Uri.EscapeDataString(sub)}";

    private static List<string> Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).Order().ToList();

    /// <summary>Until a session of this database waits for a lock, or the erasure ends without having waited (bounded).</summary>
    private async Task<bool> WaitForLockWaitAsync(Task erase)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && !erase.IsCompleted)
        {
            if (await _app.Data.ScalarAsync<long>("select count(*) from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'") > 0)
            {
                return true;
            }

            await Task.Delay(20);
        }

        return false;
    }
}
