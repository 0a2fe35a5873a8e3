namespace Checkup.Core.Admin;

/// <summary>
/// Which submissions an admin listing or export shows: any of <see cref="Statuses"/> (null: all), created and/or
/// submitted within half-open ranges [from, to). Times are UTC instants.
/// </summary>
public sealed record SubmissionFilter(
    string[]? Statuses = null,
    DateTime? CreatedFrom = null,
    DateTime? CreatedTo = null,
    DateTime? SubmittedFrom = null,
    DateTime? SubmittedTo = null)
{
    internal object Parameters(PageCursor? after = null, int? limit = null) => new
    {
        statuses = Statuses,
        createdFrom = CreatedFrom,
        createdTo = CreatedTo,
        submittedFrom = SubmittedFrom,
        submittedTo = SubmittedTo,
        afterCreatedAt = after?.CreatedAt,
        afterId = after?.Id,
        limit,
    };

    /// <summary>The filter as a WHERE clause on <c>submissions r</c>, with the keyset condition of a page.</summary>
    internal const string Where = """
        where (@statuses::text[] is null or r.status = any(@statuses::text[]))
          and (@createdFrom::timestamptz is null or r.created_at >= @createdFrom::timestamptz)
          and (@createdTo::timestamptz is null or r.created_at < @createdTo::timestamptz)
          and (@submittedFrom::timestamptz is null or r.submitted_at >= @submittedFrom::timestamptz)
          and (@submittedTo::timestamptz is null or r.submitted_at < @submittedTo::timestamptz)
          and (@afterCreatedAt::timestamptz is null or (r.created_at, r.id) > (@afterCreatedAt::timestamptz, @afterId::uuid))
        """;
}
