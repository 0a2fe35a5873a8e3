using Dapper;

namespace Checkup.Core.Submissions;

public sealed partial class SubmissionStore
{
    internal const string NotReady = "This image is not stored yet (still uploading, or its upload failed: upload it again).";

    /// <summary>
    /// Stores the final form state and sets <c>submitted</c> in one conditional UPDATE, or changes nothing. Of several
    /// concurrent submits exactly one makes the transition; an identical repeat answers as the first did.
    /// </summary>
    public async Task<SaveResult> SubmitAsync(string authorId, IReadOnlyList<ProjectValues> slots, int[]? expectedVersions, CancellationToken ct)
    {
        const string sql = $"""
            with wanted as (
                select distinct unnest(@imageIds::uuid[]) as id
            ),
            checked as (
                select w.id, i.owner_id is not distinct from @authorId as owned, coalesce(image_submittable(i.status, i.next_attempt_at), false) as ready
                from wanted w left join images i on i.id = w.id
            ),
            updated as (
                update submissions set
                    {SetProjects},
                    status = 'submitted',
                    submitted_at = now(),
                    version = version + 1,
                    updated_at = now()
                where author_id = @authorId
                  and status = 'draft'
                  and (@expectedVersions::int[] is null or version = any(@expectedVersions::int[]))
                  and @complete
                  and not exists (select 1 from checked where not owned or not ready)
                returning {SubmissionRow.Columns}
            ),
            {UpdatedOrCurrentRow}
            select {SubmissionRow.ResultColumns}, r.changed,
                   array(select id from checked where not owned) as foreign_image_ids,
                   array(select id from checked where owned and not ready) as unready_image_ids
            from result_row r
            {SubmissionRow.ImageJoins}
            """;
        if (DeadlinePassed)
        {
            // A repeat of the submit that was made in time still gets its answer; anything else is too late.
            var current = await GetAsync(authorId, ct);
            return current is { Status: Submission.Submitted } && SameForm(current, slots)
                ? new SaveResult(SaveOutcome.Replayed, current)
                : new SaveResult(SaveOutcome.DeadlinePassed, current);
        }

        var missing = SubmissionRules.Missing(slots, [null, null, null]);
        var parameters = new DynamicParameters(Parameters(authorId, slots, expectedVersions));
        parameters.Add("complete", missing.Count == 0);

        var row = await RunAsync(sql, parameters, ct);
        if (row is null)
        {
            return new SaveResult(SaveOutcome.NotFound, null);
        }

        var submission = row.ToSubmission(false);
        if (row.Changed)
        {
            return new SaveResult(SaveOutcome.Saved, submission);
        }

        if (row.Status == Submission.Submitted)
        {
            return new SaveResult(SameForm(submission, slots) ? SaveOutcome.Replayed : SaveOutcome.Submitted, submission);
        }

        if (!Matches(row.Version, expectedVersions))
        {
            return new SaveResult(SaveOutcome.VersionMismatch, submission);
        }

        if (row.ForeignImageIds.Length > 0)
        {
            return new SaveResult(SaveOutcome.ImageNotOwned, submission, ImageErrors(slots, row.ForeignImageIds, NotOwned));
        }

        var errors = SubmissionRules.AsErrors(missing);
        foreach (var (field, messages) in ImageErrors(slots, row.UnreadyImageIds, NotReady))
        {
            errors[field] = messages;
        }

        return errors.Count == 0
            ? throw new InvalidOperationException($"Submit of submission {row.Id} changed nothing for no known reason.")
            : new SaveResult(missing.Count > 0 ? SaveOutcome.Incomplete : SaveOutcome.ImageNotReady, submission, errors);
    }

    private static bool SameForm(Submission submission, IReadOnlyList<ProjectValues> slots) =>
        submission.Projects.Select(p => new ProjectValues(p.Name, p.Description, p.Role, p.ImageId)).SequenceEqual(slots);
}
