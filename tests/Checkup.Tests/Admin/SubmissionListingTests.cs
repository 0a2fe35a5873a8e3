using System.Net;
using Checkup.Core.Admin;
using Checkup.Tests.Infrastructure;
using Checkup.Tests.Submissions;
using static Checkup.Tests.Admin.AdminClient;

namespace Checkup.Tests.Admin;

public sealed class SubmissionListingTests(AdminApp app) : IClassFixture<AdminApp>
{
    private readonly AdminData _data = app.Data;

    [Fact]
    public async Task Listing_filters_by_status_and_by_created_and_submitted_ranges_with_projects_and_images()
    {
        var w = TimeWindows.New();
        var image = await _data.ImageAsync(Users.New(), "saved-cld");
        var failed = await _data.ImageAsync(Users.New(), "cld-upload-failure", error: "Cloudinary answered 500");
        var draftEarly = await _data.SubmissionAsync(Users.New(), "draft", w.AddHours(1), null, new Slot("Alpha", "Dev", "Desc", image), new Slot("Beta", null, null, failed));
        var draftLate = await _data.SubmissionAsync(Users.New(), "draft", w.AddHours(5));
        var submittedEarly = await _data.SubmissionAsync(Users.New(), "submitted", w.AddHours(2), w.AddHours(3));
        var submittedLate = await _data.SubmissionAsync(Users.New(), "submitted", w.AddHours(4), w.AddHours(8));
        var outside = await _data.SubmissionAsync(Users.New(), "submitted", w.AddDays(2), w.AddDays(2).AddHours(1));
        var admin = app.Admin();
        var window = $"createdFrom={Iso(w)}&createdTo={Iso(w.AddDays(1))}";

        async Task<List<Guid>> Ids(string query) => (await admin.AllPagesAsync<AdminSubmission>("/api/admin/submissions?" + query)).Select(s => s.Id).ToList();

        Assert.Equal([draftEarly, submittedEarly, submittedLate, draftLate], await Ids(window)); // oldest first
        Assert.Equal([draftEarly, draftLate], await Ids("status=draft&" + window));
        Assert.Equal([submittedEarly, submittedLate], await Ids("status=submitted&" + window));
        Assert.Equal([draftEarly, submittedEarly, submittedLate, draftLate], await Ids("status=draft,submitted&" + window));
        Assert.Equal([draftEarly, submittedEarly], await Ids($"createdFrom={Iso(w)}&createdTo={Iso(w.AddHours(4))}")); // [from, to)
        Assert.Equal([submittedLate], await Ids($"submittedFrom={Iso(w.AddHours(6))}&submittedTo={Iso(w.AddHours(9))}"));
        Assert.Equal([submittedEarly, submittedLate, outside], await Ids($"submittedFrom={Iso(w)}&submittedTo={Iso(w.AddDays(3))}"));
        Assert.Equal([draftEarly], await Ids($"createdFrom={w.AddHours(1):yyyy-MM-ddTHH:mm:ss}&createdTo={Iso(w.AddHours(2))}")); // no offset: UTC

        var listed = (await admin.PageAsync<AdminSubmission>("/api/admin/submissions?" + window)).Items.Single(s => s.Id == draftEarly);
        Assert.Equal("draft", listed.Status);
        Assert.Equal(w.AddHours(1), listed.CreatedAt);
        Assert.Equal([1, 2, 3], listed.Projects.Select(p => p.Slot));
        Assert.Equal(("Alpha", "Dev", "Desc"), (listed.Projects[0].Name, listed.Projects[0].Role, listed.Projects[0].Description));
        Assert.Equal(image, listed.Projects[0].Image!.Id);
        Assert.Equal("saved-cld", listed.Projects[0].Image!.Status);
        Assert.Equal($"https://res.cloudinary.com/{CloudinaryStandIn.CloudName}/image/upload/v1/checkup/{image}", listed.Projects[0].Image!.Url);
        Assert.Equal(("cld-upload-failure", (string?)null, "Cloudinary answered 500"), (listed.Projects[1].Image!.Status, listed.Projects[1].Image!.Url, listed.Projects[1].Image!.Error));
        Assert.Null(listed.Projects[2].Image);
    }

    [Fact]
    public async Task Pages_never_repeat_or_skip_a_submission_while_new_ones_arrive_before_and_after_the_cursor()
    {
        var w = TimeWindows.New();
        var existing = new List<Guid>();
        for (var i = 0; i < 11; i++)
        {
            existing.Add(await _data.SubmissionAsync(Users.New(), i % 3 == 0 ? "submitted" : "draft", w.AddMinutes(i * 10)));
        }

        var arrivedNow = new List<Guid>();
        var pages = 0;
        var admin = app.Admin();
        var seen = await admin.AllPagesAsync<AdminSubmission>($"/api/admin/submissions?createdFrom={Iso(w)}&limit=3", async page =>
        {
            pages++;
            // Between two pages: one person starts now (after every cursor), one row lands behind the cursor
            // (inside the pages already read: with OFFSET paging this would shift the next page and repeat a row).
            arrivedNow.Add(await _data.SubmissionAsync(Users.New(), "draft"));
            await _data.SubmissionAsync(Users.New(), "draft", w.AddMinutes(page * 30 + 1));
            var started = await new SubmissionClient(app.Pipeline.Client(Users.New())).StartedAsync();
            arrivedNow.Add(started.GetProperty("id").GetGuid());
        });
        var ids = seen.Select(s => s.Id).ToList();

        Assert.True(pages >= 4, $"only {pages} pages");
        Assert.Equal(ids.Count, ids.Distinct().Count()); // no submission twice
        Assert.Equal(existing, ids.Where(existing.Contains)); // every one that existed, once, in order
        Assert.All(arrivedNow, id => Assert.Contains(id, ids)); // newer than every cursor: they come at the end
        Assert.Equal(seen.OrderBy(s => s.CreatedAt).ThenBy(s => s.Id).Select(s => s.Id), ids);
    }

    [Theory]
    [InlineData("status=archived", "status")]
    [InlineData("status=draft,deleted", "status")]
    [InlineData("createdFrom=yesterday", "createdFrom")]
    [InlineData("submittedTo=2026-13-01", "submittedTo")]
    [InlineData("createdFrom=2026-03-02&createdTo=2026-03-01", "createdTo")]
    [InlineData("submittedFrom=2026-03-01&submittedTo=2026-03-01", "submittedTo")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=201", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("limit=-1", "limit")]
    [InlineData("cursor=not-a-cursor", "cursor")]
    [InlineData("cursor=aTEuNjM4NzU0NDAwMDAwMDAwMDAwLjAxOTNhYmNkMDAwMDcwMDA4MDAwMDAwMDAwMDAwMDAw", "cursor")] // a cursor of the image listing
    [InlineData("cursor=czEuOTk5OTk5OTk5OTk5OTk5OTk5OTk5OS4wMTkzYWJjZDAwMDA3MDAwODAwMDAwMDAwMDAwMDAwMA", "cursor")] // ticks out of range
    public async Task Malformed_filters_cursors_and_page_sizes_get_400_problem_json_naming_the_parameter(string query, string parameter)
    {
        var response = await app.Admin().GetAsync("/api/admin/submissions?" + query);

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out _), problem.ToString());
    }

    [Fact]
    public void A_cursor_is_opaque_and_round_trips_exactly()
    {
        var cursor = new PageCursor(new DateTime(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc).AddTicks(1234560), Guid.CreateVersion7());

        Assert.True(PageCursor.TryDecode("s1", cursor.Encode("s1"), out var decoded));
        Assert.Equal(cursor, decoded);
        Assert.Equal(DateTimeKind.Utc, decoded.CreatedAt.Kind);
        Assert.False(PageCursor.TryDecode("i1", cursor.Encode("s1"), out _));
        Assert.DoesNotContain(cursor.Id.ToString("N"), cursor.Encode("s1"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task People_who_are_not_admins_get_403_from_the_listing_and_the_export()
    {
        var person = app.Pipeline.Client(Users.New());

        await (await person.GetAsync("/api/admin/submissions")).ProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await person.GetAsync("/api/admin/submissions.csv")).ProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await person.GetAsync("/api/admin/stats")).ProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await person.GetAsync("/api/admin/images")).ProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }
}
