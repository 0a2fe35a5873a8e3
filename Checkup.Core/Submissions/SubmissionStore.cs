using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Checkup.Core.Submissions;

/// <summary>
/// The submissions aggregate. Every write is one statement (one round trip): a conditional UPDATE that also checks
/// status, version and image ownership, and returns either the new row or, when it changed nothing, the current one
/// (read with FOR UPDATE so a concurrent writer's committed row is seen, not this statement's older snapshot).
/// </summary>
public sealed partial class SubmissionStore(NpgsqlDataSource dataSource, IOptions<SubmissionOptions> options, TimeProvider time)
{
    /// <summary>The three slots' columns, as every write sets them.</summary>
    private const string SetProjects = """
        project_1_name = @p1Name, project_1_description = @p1Description, project_1_role = @p1Role, project_1_image = @p1Image,
                            project_2_name = @p2Name, project_2_description = @p2Description, project_2_role = @p2Role, project_2_image = @p2Image,
                            project_3_name = @p3Name, project_3_description = @p3Description, project_3_role = @p3Role, project_3_image = @p3Image
        """;

    /// <summary>
    /// The CTEs every write ends with: the row the <c>updated</c> CTE wrote or, when it wrote nothing, the current one
    /// (FOR UPDATE, so a concurrent writer's committed row is seen), with <c>changed</c> saying which.
    /// </summary>
    private const string UpdatedOrCurrentRow = $"""
        unchanged as (
                        select {SubmissionRow.Columns} from submissions
                        where author_id = @authorId and not exists (select 1 from updated)
                        for update
                    ),
                    result_row as (
                        select {SubmissionRow.Columns}, true as changed from updated
                        union all
                        select {SubmissionRow.Columns}, false from unchanged
                    )
        """;

    public bool DeadlinePassed => options.Value.DeadlinePassed(time);

    public async Task<Submission?> GetAsync(string authorId, CancellationToken ct)
    {
        const string sql = $"""
            select {SubmissionRow.ResultColumns}
            from submissions r
            {SubmissionRow.ImageJoins}
            where r.author_id = @authorId
            """;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<SubmissionRow>(new CommandDefinition(sql, new { authorId }, cancellationToken: ct));
        return row?.ToSubmission(DeadlinePassed);
    }

    /// <summary>Creates the author's draft, or returns the one they have (<c>Created</c> says which).</summary>
    public async Task<(Submission Submission, bool Created)> StartAsync(string authorId, CancellationToken ct)
    {
        const string sql = $"""
            with inserted as (
                insert into submissions (id, author_id) values (@id, @authorId)
                on conflict (author_id) do nothing
                returning {SubmissionRow.Columns}
            ),
            result_row as (
                select {SubmissionRow.Columns}, true as changed from inserted
                union all
                select {SubmissionRow.Columns}, false from submissions
                where author_id = @authorId and not exists (select 1 from inserted)
            )
            select {SubmissionRow.ResultColumns}, r.changed
            from result_row r
            {SubmissionRow.ImageJoins}
            """;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<SubmissionRow>(new CommandDefinition(sql, new { id = Guid.CreateVersion7(), authorId }, cancellationToken: ct));
        if (row is not null)
        {
            return (row.ToSubmission(DeadlinePassed), row.Changed);
        }

        // A concurrent start committed the row after this statement's snapshot was taken: it is visible now.
        var existing = await GetAsync(authorId, ct) ?? throw new InvalidOperationException("A conflicting submission row disappeared.");
        return (existing, false);
    }

    /// <summary>The autosave statement (bench/run measures it through the API and, as a pgbench script, straight against PostgreSQL).</summary>
    internal const string SaveDraftSql = $"""
        with wanted as (
            select distinct unnest(@imageIds::uuid[]) as id
        ),
        foreign_images as (
            select w.id from wanted w
            where not exists (select 1 from images i where i.id = w.id and i.owner_id = @authorId)
        ),
        updated as (
            update submissions set
                {SetProjects},
                version = version + 1,
                updated_at = now()
            where author_id = @authorId
              and status = 'draft'
              and (@expectedVersions::int[] is null or version = any(@expectedVersions::int[]))
              and not exists (select 1 from foreign_images)
            returning {SubmissionRow.Columns}
        ),
        {UpdatedOrCurrentRow}
        select {SubmissionRow.ResultColumns}, r.changed,
               array(select id from foreign_images) as foreign_image_ids
        from result_row r
        {SubmissionRow.ImageJoins}
        """;

    /// <summary>Stores the whole form state of a draft (lenient: incomplete is fine) when the version and image ownership allow it.</summary>
    public async Task<SaveResult> SaveDraftAsync(string authorId, IReadOnlyList<ProjectValues> slots, int[]? expectedVersions, CancellationToken ct)
    {
        if (DeadlinePassed)
        {
            return new SaveResult(SaveOutcome.DeadlinePassed, null);
        }

        var row = await RunAsync(SaveDraftSql, Parameters(authorId, slots, expectedVersions), ct);
        return row switch
        {
            null => new SaveResult(SaveOutcome.NotFound, null),
            { Changed: true } => new SaveResult(SaveOutcome.Saved, row.ToSubmission(false)),
            { Status: Submission.Submitted } => new SaveResult(SaveOutcome.Submitted, row.ToSubmission(false)),
            _ when !Matches(row.Version, expectedVersions) => new SaveResult(SaveOutcome.VersionMismatch, row.ToSubmission(false)),
            { ForeignImageIds.Length: > 0 } => new SaveResult(SaveOutcome.ImageNotOwned, row.ToSubmission(false), ImageErrors(slots, row.ForeignImageIds, NotOwned)),
            _ => throw new InvalidOperationException($"Draft save for submission {row.Id} changed nothing for no known reason."),
        };
    }

    internal static FormParameters Parameters(string authorId, IReadOnlyList<ProjectValues> slots, int[]? expectedVersions)
    {
        ProjectValues Slot(int i) => i < slots.Count ? slots[i] : ProjectValues.Empty;
        var (p1, p2, p3) = (Slot(0), Slot(1), Slot(2));
        return new FormParameters(authorId, expectedVersions, slots.Where(s => s.ImageId is not null).Select(s => s.ImageId!.Value).ToArray(),
            p1.Name, p1.Description, p1.Role, p1.ImageId,
            p2.Name, p2.Description, p2.Role, p2.ImageId,
            p3.Name, p3.Description, p3.Role, p3.ImageId);
    }

    internal async Task<SubmissionRow?> RunAsync(string sql, object parameters, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var command = new CommandDefinition(sql, parameters, cancellationToken: ct);
        try
        {
            return await connection.QuerySingleOrDefaultAsync<SubmissionRow>(command);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            // An image passed the ownership check and was deleted (orphan cleanup) before the row was written, so
            // nothing was written. Run again: now the ownership check itself refuses the vanished id.
            return await connection.QuerySingleOrDefaultAsync<SubmissionRow>(command);
        }
    }

    internal static bool Matches(int version, int[]? expectedVersions) => expectedVersions is null || expectedVersions.Contains(version);

    internal const string NotOwned = "This image id is not one of your images.";

    internal static Dictionary<string, string[]> ImageErrors(IReadOnlyList<ProjectValues> slots, Guid[] imageIds, string message) =>
        slots.Select((s, i) => (s.ImageId, Field: $"projects[{i}].imageId"))
            .Where(s => s.ImageId is { } id && imageIds.Contains(id))
            .ToDictionary(s => s.Field, _ => new[] { message });
}
