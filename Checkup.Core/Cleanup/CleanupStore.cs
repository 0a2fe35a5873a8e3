using Checkup.Core.Images;
using Dapper;
using Npgsql;

namespace Checkup.Core.Cleanup;

// Rows as init-only records: Dapper maps snake_case columns onto properties (not onto constructor parameters).
internal sealed record StagedCopy
{
    public Guid Id { get; init; }
    public string LocalPath { get; init; } = "";
}

internal sealed record StuckUpload
{
    public Guid Id { get; init; }
    public string OwnerId { get; init; } = "";
}

internal sealed record Unreferenced
{
    public Guid Id { get; init; }
    public string Status { get; init; } = "";
    public string? LocalPath { get; init; }
}

/// <summary>
/// The cleanup's statements. Each picks a bounded batch with <c>for ... skip locked</c>, so two overlapping runs
/// (two instances, or a run and a ProcessImage holding an image) split the work instead of doing it twice.
/// </summary>
internal static class CleanupStore
{
    public static Task<IEnumerable<StagedCopy>> LockStagedCopiesAsync(NpgsqlConnection c, NpgsqlTransaction t, int batch, CancellationToken ct)
    {
        const string sql = """
            select id, local_path from images
            where status = 'saved-cld' and local_path is not null
            order by updated_at limit @batch
            for no key update skip locked
            """;
        return c.QueryAsync<StagedCopy>(new CommandDefinition(sql, new { batch }, t, cancellationToken: ct));
    }

    public static Task<int> ForgetStagedCopiesAsync(NpgsqlConnection c, NpgsqlTransaction t, Guid[] ids, string log, CancellationToken ct)
    {
        const string sql = """
            update images set local_path = null, log = log || @log::jsonb, updated_at = now()
            where id = any(@ids) and status = 'saved-cld'
            """;
        return c.ExecuteAsync(new CommandDefinition(sql, new { ids, log }, t, cancellationToken: ct));
    }

    /// <summary>
    /// Due failures below the maximum, marked as queued by moving their next attempt one lease ahead: a lost
    /// message is queued again after that, a delivered one is pushed (its message names the attempt, which ProcessImage
    /// makes unless it was made meanwhile: a retry's own message that came late).
    /// </summary>
    public static async Task<DueRetry[]> ClaimDueRetriesAsync(NpgsqlConnection c, int batch, int maxAttempts, TimeSpan lease, string log, CancellationToken ct)
    {
        const string sql = """
            update images set next_attempt_at = now() + @leaseSeconds * interval '1 second', log = log || @log::jsonb, updated_at = now()
            where id in (
                select id from images
                where status = 'cld-upload-failure' and next_attempt_at <= now() and attempts < @maxAttempts
                order by next_attempt_at limit @batch
                for no key update skip locked)
            returning id, attempts
            """;
        var due = await c.QueryAsync<DueRetry>(new CommandDefinition(sql, new { batch, maxAttempts, leaseSeconds = lease.TotalSeconds, log }, cancellationToken: ct));
        return due.ToArray();
    }

    /// <summary>Staged images that made no progress for <paramref name="stuckAfter"/> (lost message, crashed invocation).</summary>
    public static async Task<Guid[]> ClaimStalledAsync(NpgsqlConnection c, int batch, TimeSpan stuckAfter, string log, CancellationToken ct)
    {
        const string sql = """
            update images set log = log || @log::jsonb, updated_at = now()
            where id in (
                select id from images
                where status = 'saved-locally' and updated_at < now() - @stuckSeconds * interval '1 second'
                order by updated_at limit @batch
                for no key update skip locked)
            returning id
            """;
        var ids = await c.QueryAsync<Guid>(new CommandDefinition(sql, new { batch, stuckSeconds = stuckAfter.TotalSeconds, log }, cancellationToken: ct));
        return ids.ToArray();
    }

    public static Task<IEnumerable<StuckUpload>> LockStuckUploadsAsync(NpgsqlConnection c, NpgsqlTransaction t, int batch, TimeSpan stuckAfter, CancellationToken ct)
    {
        const string sql = """
            select id, owner_id from images
            where status = 'uploaded' and updated_at < now() - @stuckSeconds * interval '1 second'
            order by updated_at limit @batch
            for no key update skip locked
            """;
        return c.QueryAsync<StuckUpload>(new CommandDefinition(sql, new { batch, stuckSeconds = stuckAfter.TotalSeconds }, t, cancellationToken: ct));
    }

    public static Task<int> CompleteUploadAsync(NpgsqlConnection c, NpgsqlTransaction t, Guid id, StagedImage staged, string log, CancellationToken ct)
    {
        const string sql = """
            update images
            set status = 'saved-locally', local_path = @BlobName, content_type = @ContentType, bytes = @Bytes,
                width = @Width, height = @Height, sha256 = @Sha256, log = log || @log::jsonb, updated_at = now()
            where id = @id and status = 'uploaded'
            """;
        return c.ExecuteAsync(new CommandDefinition(sql,
            new { id, staged.BlobName, staged.ContentType, staged.Bytes, staged.Width, staged.Height, staged.Sha256, log }, t, cancellationToken: ct));
    }

    /// <summary>
    /// Also releases the upload's Idempotency-Key (as a failed upload request does), so the client's retry with that key
    /// uploads afresh instead of being handed an image that never stored its bytes.
    /// </summary>
    public static Task<int> FailUploadAsync(NpgsqlConnection c, NpgsqlTransaction t, Guid id, string error, string log, CancellationToken ct)
    {
        const string sql = """
            with failed as (
                update images set status = 'local-upload-failure', error = @error, log = log || @log::jsonb, updated_at = now()
                where id = @id and status = 'uploaded'
                returning id),
            released as (
                delete from image_idempotency_keys where image_id in (select id from failed))
            select count(*)::int from failed
            """;
        return c.ExecuteScalarAsync<int>(new CommandDefinition(sql, new { id, error, log }, t, cancellationToken: ct));
    }

    /// <summary>
    /// Images past the grace period that no submission (draft or submitted) references. A submission being saved
    /// with a reference holds a key-share lock on the image, so skip locked passes over it too.
    /// </summary>
    public static Task<IEnumerable<Unreferenced>> LockUnreferencedAsync(NpgsqlConnection c, NpgsqlTransaction t, int batch, TimeSpan grace, CancellationToken ct)
    {
        const string sql = """
            select i.id, i.status, i.local_path from images i
            where i.created_at < now() - @graceSeconds * interval '1 second'
              and not exists (select 1 from submissions s where s.project_1_image = i.id)
              and not exists (select 1 from submissions s where s.project_2_image = i.id)
              and not exists (select 1 from submissions s where s.project_3_image = i.id)
            order by i.created_at limit @batch
            for update of i skip locked
            """;
        return c.QueryAsync<Unreferenced>(new CommandDefinition(sql, new { batch, graceSeconds = grace.TotalSeconds }, t, cancellationToken: ct));
    }

    public static Task<int> DeleteAsync(NpgsqlConnection c, NpgsqlTransaction t, Guid[] ids, CancellationToken ct)
    {
        const string sql = "delete from images where id = any(@ids)";
        return c.ExecuteAsync(new CommandDefinition(sql, new { ids }, t, cancellationToken: ct));
    }

    public static async Task<IEnumerable<(string Status, long Count)>> CountByStatusAsync(NpgsqlConnection c, CancellationToken ct)
    {
        const string sql = "select status, count(*) from images group by status";
        return await c.QueryAsync<(string, long)>(new CommandDefinition(sql, cancellationToken: ct));
    }
}

/// <summary>A failed image whose next attempt is due, with the attempts it made so far.</summary>
public sealed record DueRetry(Guid Id, int Attempts);
