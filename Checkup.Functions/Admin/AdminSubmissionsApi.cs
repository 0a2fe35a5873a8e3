using System.ComponentModel;
using Checkup.Core.Admin;
using Checkup.Core.Submissions;
using Checkup.Functions.Auth;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Checkup.Functions.Admin;

/// <summary>Reviewers' view of every submission: a paginated listing and a streamed CSV export, with the same filters.</summary>
public static class AdminSubmissionsApi
{
    private static readonly string[] Statuses = [Submission.Draft, Submission.Submitted];

    /// <summary>Filters shared by the listing and the export; times are ISO 8601 (UTC unless an offset is given), ranges [from, to).</summary>
    /// <summary>The filter's query parameters. Init properties rather than a positional record: the build-time
    /// request delegate generator cannot bind [AsParameters] through a constructor of nullable reference types.</summary>
    public sealed record SubmissionFilterQuery
    {
        [FromQuery(Name = "status"), Description("draft, submitted, or both comma separated (default: all)")]
        public string? Status { get; init; }

        [FromQuery(Name = "createdFrom"), Description("created at or after this instant")]
        public string? CreatedFrom { get; init; }

        [FromQuery(Name = "createdTo"), Description("created before this instant")]
        public string? CreatedTo { get; init; }

        [FromQuery(Name = "submittedFrom"), Description("submitted at or after this instant (drafts never match)")]
        public string? SubmittedFrom { get; init; }

        [FromQuery(Name = "submittedTo"), Description("submitted before this instant (drafts never match)")]
        public string? SubmittedTo { get; init; }

        public SubmissionFilter Read(AdminQuery query)
        {
            var filter = new SubmissionFilter(
                query.Statuses(Status, Statuses),
                query.Instant(CreatedFrom, "createdFrom"),
                query.Instant(CreatedTo, "createdTo"),
                query.Instant(SubmittedFrom, "submittedFrom"),
                query.Instant(SubmittedTo, "submittedTo"));
            query.Range(filter.CreatedFrom, filter.CreatedTo, "createdFrom", "createdTo");
            query.Range(filter.SubmittedFrom, filter.SubmittedTo, "submittedFrom", "submittedTo");
            return filter;
        }
    }

    public static async Task<Results<Ok<Page<AdminSubmission>>, BadRequest<ProblemDetails>>> List(
        [AsParameters] SubmissionFilterQuery filterQuery,
        [Description("nextCursor of the previous page")] string? cursor,
        [Description($"page size, 1 to 200 (default 50)")] string? limit,
        AdminSubmissionStore store,
        CancellationToken ct)
    {
        var query = new AdminQuery();
        var filter = filterQuery.Read(query);
        var after = query.Cursor(cursor, AdminSubmissionStore.CursorKind);
        var size = query.Limit(limit, AdminSubmissionStore.MaxPageSize);
        if (!query.Valid)
        {
            return query.Invalid();
        }

        return TypedResults.Ok(await store.ListAsync(filter, after, size, ct));
    }

    public static Results<PushStreamHttpResult, BadRequest<ProblemDetails>> Csv(
        [AsParameters] SubmissionFilterQuery filterQuery, AdminSubmissionStore store, TimeProvider clock, HttpContext http)
    {
        var query = new AdminQuery();
        var filter = filterQuery.Read(query);
        if (!query.Valid)
        {
            return query.Invalid();
        }

        var ct = http.RequestAborted;
        var fileName = $"checkup-submissions-{clock.GetUtcNow():yyyyMMdd-HHmmss}.csv";
        // Rows go out as the database returns them: memory holds one row and the writer's buffer, whatever the count.
        // The Functions host forwards the worker's response as it is written (HTTP proxying), so the first rows reach
        // the client long before the last are read (bench/csv-export: first byte of 243 MiB after 1.9 s of 5 s).
        return TypedResults.Stream(body => SubmissionCsv.WriteAsync(store.StreamAsync(filter, ct), body, ct), SubmissionCsv.ContentType, fileName);
    }
}
