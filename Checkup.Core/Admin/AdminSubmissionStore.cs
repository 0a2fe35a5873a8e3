using System.Runtime.CompilerServices;
using Checkup.Core.Submissions;
using Dapper;
using Npgsql;

namespace Checkup.Core.Admin;

/// <summary>A submission as reviewers see it: whose it is, its state, and its three projects with their images.</summary>
public sealed record AdminSubmission(
    Guid Id,
    string AuthorId,
    string Status,
    int Version,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    DateTime? SubmittedAt,
    IReadOnlyList<Project> Projects);

/// <summary>
/// Every submission, read for reviewers: pages ordered by (created_at, id) with a keyset cursor, or the whole
/// filtered set as a stream of rows read one at a time (the CSV export), never held in memory as a whole.
/// </summary>
public sealed class AdminSubmissionStore(NpgsqlDataSource dataSource)
{
    public const string CursorKind = "s1";
    public const int MaxPageSize = 200;

    private const string Select = $"""
        select {SubmissionRow.ResultColumns}
        from submissions r
        {SubmissionRow.ImageJoins}
        {SubmissionFilter.Where}
        order by r.created_at, r.id
        """;

    public async Task<Page<AdminSubmission>> ListAsync(SubmissionFilter filter, PageCursor? after, int limit, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxPageSize);
        const string sql = Select + "\nlimit @limit";
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        // One row more than the page tells whether another page follows.
        var rows = (await connection.QueryAsync<SubmissionRow>(new CommandDefinition(sql, filter.Parameters(after, limit + 1), cancellationToken: ct))).ToList();
        var items = rows.Take(limit).Select(ToAdmin).ToList();
        var next = rows.Count > limit ? new PageCursor(items[^1].CreatedAt, items[^1].Id).Encode(CursorKind) : null;
        return new Page<AdminSubmission>(items, next);
    }

    /// <summary>The filtered submissions in listing order, one row at a time from one statement (one snapshot).</summary>
    public async IAsyncEnumerable<AdminSubmission> StreamAsync(SubmissionFilter filter, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var reader = await connection.ExecuteReaderAsync(new CommandDefinition(Select, filter.Parameters(), cancellationToken: ct));
        var parse = reader.GetRowParser<SubmissionRow>();
        while (await reader.ReadAsync(ct))
        {
            yield return ToAdmin(parse(reader));
        }
    }

    private static AdminSubmission ToAdmin(SubmissionRow row) =>
        new(row.Id, row.AuthorId, row.Status, row.Version, row.CreatedAt, row.UpdatedAt, row.SubmittedAt, row.Projects());
}
