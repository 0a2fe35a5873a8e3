using System.Net;
using Checkup.Tests.Infrastructure;

namespace Checkup.Tests.Admin;

/// <summary>
/// The applicant reads their image's log; operators' names are not theirs to read. Issue 20, item 2: after an admin
/// gave up and retried, the owner's GET /api/images/{id} read "Given up by admin jane.reviewer@corp.example...".
/// </summary>
public sealed class ImageLogDisclosureTests
{
    [Fact]
    public async Task The_owner_reads_that_an_administrator_gave_up_and_retried_and_only_the_admin_view_names_who()
    {
        await using var pipeline = await ImagePipeline.StartAsync();
        pipeline.Cloudinary.FailAlways = new StandInFailure.Status(503);
        var owner = Users.New("applicant");
        var id = await pipeline.UploadImageAsync(owner);
        await pipeline.DeliverQueuedAsync();
        var reviewer = $"jane.reviewer-{Guid.NewGuid():N}@corp.example";
        var admin = pipeline.Client(reviewer, admin: true);

        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/admin/images/{id}/give-up", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync($"/api/admin/images/{id}/retry", null)).StatusCode);

        var ownerView = await pipeline.Client(owner).GetAsync($"/api/images/{id}");
        var ownerText = await ownerView.Content.ReadAsStringAsync();
        var ownerLog = (await ImagePipeline.Json(ownerView)).GetProperty("log").EnumerateArray().Select(e => e.GetProperty("message").GetString()!).ToList();

        Assert.Equal(HttpStatusCode.OK, ownerView.StatusCode);
        Assert.DoesNotContain(reviewer, ownerText, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("jane", ownerText, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(ownerLog, m => m.StartsWith("Given up by an administrator", StringComparison.Ordinal));
        Assert.Contains(ownerLog, m => m.StartsWith("Retry requested by an administrator", StringComparison.Ordinal));

        var listing = await ImagePipeline.Json(await admin.GetAsync("/api/admin/images?status=cld-upload-failure,saved-locally&limit=200"));
        var adminLog = listing.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("id").GetGuid() == id).GetProperty("log").EnumerateArray()
            .Select(e => (Message: e.GetProperty("message").GetString()!, By: e.TryGetProperty("by", out var by) ? by.GetString() : null)).ToList();
        Assert.Contains(adminLog, e => e.Message.StartsWith("Given up by an administrator", StringComparison.Ordinal) && e.By == reviewer);
        Assert.Contains(adminLog, e => e.Message.StartsWith("Retry requested by an administrator", StringComparison.Ordinal) && e.By == reviewer);
    }

    [Fact]
    public async Task Log_entries_written_before_the_change_name_no_administrator_to_the_owner_either()
    {
        await using var pipeline = await ImagePipeline.StartAsync();
        var owner = Users.New("applicant");
        var id = await pipeline.UploadImageAsync(owner);
        var reviewer = $"jane: (after {Guid.NewGuid():N}";
        // What the previous version wrote, names inline.
        var legacy = System.Text.Json.JsonSerializer.Serialize(new object[]
        {
            new { at = DateTime.UtcNow, message = $"Given up by admin {reviewer}: no more automatic retries" },
            new { at = DateTime.UtcNow, message = $"Retry requested by admin {reviewer} (after 8 attempts, status cld-upload-failure)" },
        });
        await pipeline.ExecuteAsync("update images set log = log || @legacy::jsonb where id = @id", new { id, legacy });

        var ownerView = await pipeline.Client(owner).GetAsync($"/api/images/{id}");
        var ownerText = await ownerView.Content.ReadAsStringAsync();
        var messages = (await ImagePipeline.Json(ownerView)).GetProperty("log").EnumerateArray().Select(e => e.GetProperty("message").GetString()!).ToList();

        Assert.DoesNotContain("jane", ownerText, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Given up by an administrator: no more automatic retries", messages);
        Assert.Contains("Retry requested by an administrator (after 8 attempts, status cld-upload-failure)", messages);
    }
}
