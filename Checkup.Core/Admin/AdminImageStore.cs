using Checkup.Core.Images;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Checkup.Core.Admin;

/// <summary>An image as operators see it: the row, and whether it is stuck (no progress for Images__StuckAfter).</summary>
public sealed record AdminImage(ImageRow Row, bool Stuck);

public enum GiveUpOutcome { GivenUp, AlreadyGivenUp, NotFailed, NotFound }

public sealed record GiveUpResult(GiveUpOutcome Outcome, ImageRow? Image);

/// <summary>
/// Failed and stuck images for operators, and giving up on one. "Given up" is <c>given_up_at</c> set with
/// <c>next_attempt_at</c> cleared, the same "no next attempt" by which ProcessImage and the cleanup already leave
/// permanent and exhausted failures alone; the timestamp also keeps it out of the default listing. An admin retry
/// takes it back.
/// </summary>
public sealed class AdminImageStore(NpgsqlDataSource dataSource, IOptions<ImageOptions> options)
{
    public const string CursorKind = "i1";
    public const int MaxPageSize = 200;

    public static readonly string[] FailureStatuses = [ImageStatus.CloudinaryUploadFailure, ImageStatus.LocalUploadFailure];

    private sealed record Flags
    {
        public bool Stuck { get; init; }
    }

    /// <param name="statuses">null: the images that need attention (failed and not given up, or stuck); otherwise every image in these statuses.</param>
    public async Task<Page<AdminImage>> ListAsync(string[]? statuses, PageCursor? after, int limit, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxPageSize);
        const string sql = $"""
            select {ImageStore.Columns},
                   (status in ('uploaded', 'saved-locally') and updated_at < now() - @stuckSeconds * interval '1 second') as stuck
            from images
            where (case when @statuses::text[] is null
                        then (status = any(@failures) and given_up_at is null)
                             or (status in ('uploaded', 'saved-locally') and updated_at < now() - @stuckSeconds * interval '1 second')
                        else status = any(@statuses::text[]) end)
              and (@afterCreatedAt::timestamptz is null or (created_at, id) > (@afterCreatedAt::timestamptz, @afterId::uuid))
            order by created_at, id
            limit @limit
            """;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var parameters = new
        {
            statuses,
            failures = FailureStatuses,
            stuckSeconds = options.Value.StuckAfter.TotalSeconds,
            afterCreatedAt = after?.CreatedAt,
            afterId = after?.Id,
            limit = limit + 1,
        };
        var rows = (await connection.QueryAsync<ImageRow, Flags, AdminImage>(
            new CommandDefinition(sql, parameters, cancellationToken: ct), (row, flags) => new AdminImage(row, flags.Stuck), splitOn: "stuck")).ToList();
        var items = rows.Take(limit).ToList();
        var next = rows.Count > limit ? new PageCursor(items[^1].Row.CreatedAt, items[^1].Row.Id).Encode(CursorKind) : null;
        return new Page<AdminImage>(items, next);
    }

    /// <summary>
    /// Stops every automatic retry of a failed image. Idempotent: a repeat finds it given up and changes nothing. Waits
    /// for a ProcessImage that holds the row (its push decides first: an image that reached Cloudinary is not failed).
    /// </summary>
    public async Task<GiveUpResult> GiveUpAsync(Guid id, string log, CancellationToken ct)
    {
        const string sql = $"""
            update images
            set given_up_at = now(), next_attempt_at = null, log = log || @log::jsonb, updated_at = now()
            where id = @id and status = any(@failures) and given_up_at is null
            returning {ImageStore.Columns}
            """;
        const string current = $"select {ImageStore.Columns} from images where id = @id";
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        if (await connection.QuerySingleOrDefaultAsync<ImageRow>(new CommandDefinition(sql, new { id, failures = FailureStatuses, log }, cancellationToken: ct)) is { } givenUp)
        {
            return new GiveUpResult(GiveUpOutcome.GivenUp, givenUp);
        }

        var image = await connection.QuerySingleOrDefaultAsync<ImageRow>(new CommandDefinition(current, new { id }, cancellationToken: ct));
        return image switch
        {
            null => new GiveUpResult(GiveUpOutcome.NotFound, null),
            { GivenUpAt: not null } => new GiveUpResult(GiveUpOutcome.AlreadyGivenUp, image),
            _ => new GiveUpResult(GiveUpOutcome.NotFailed, image),
        };
    }
}
