using Dapper;
using Npgsql;

namespace Checkup.Core.Images;

/// <summary>
/// The <c>images</c> table. Every change is a conditional update on the status it expects, so a repeated or
/// concurrent step finds "0 rows" and knows it has nothing to do. Log entries arrive as a jsonb array to append.
/// </summary>
public sealed partial class ImageStore(NpgsqlDataSource dataSource)
{
    internal const string Columns = """
        id, owner_id, status, local_path, cloudinary_url, cloudinary_public_id, cloudinary_version, cloudinary_asset_id,
        content_type, bytes, width, height, sha256, attempts, next_attempt_at, given_up_at, log::text as log, error, created_at, updated_at
        """;

    public async Task<ImageRow?> FindAsync(Guid id, CancellationToken ct)
    {
        const string sql = $"select {Columns} from images where id = @id";
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<ImageRow>(new CommandDefinition(sql, new { id }, cancellationToken: ct));
    }

    public async Task<ImageRow?> FindByIdempotencyKeyAsync(string ownerId, string key, CancellationToken ct)
    {
        const string sql = $"""
            select {Columns} from images
            where id = (select image_id from image_idempotency_keys where owner_id = @ownerId and key = @key)
            """;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<ImageRow>(new CommandDefinition(sql, new { ownerId, key }, cancellationToken: ct));
    }

    /// <summary>Creates the row in <c>uploaded</c>; false when another request already holds <paramref name="idempotencyKey"/>.</summary>
    public async Task<bool> CreateAsync(Guid id, string ownerId, string contentType, string? idempotencyKey, string log, CancellationToken ct)
    {
        // One statement, one round trip: the key is claimed first and the image inserted only when it was (or when
        // there is no key); the key's foreign key is checked at the end of the statement, when the image exists.
        const string sql = """
            with claimed as (
                insert into image_idempotency_keys (owner_id, key, image_id)
                select @ownerId, @idempotencyKey, @id where @idempotencyKey is not null
                on conflict do nothing
                returning image_id)
            insert into images (id, owner_id, status, content_type, log)
            select @id, @ownerId, 'uploaded', @contentType, @log::jsonb
            where @idempotencyKey is null or exists (select from claimed)
            """;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(sql, new { id, ownerId, contentType, idempotencyKey, log }, cancellationToken: ct)) == 1;
    }

    /// <summary>Removes a row whose upload was refused or abandoned before its bytes were stored (with its idempotency key).</summary>
    public async Task DeleteUnstoredAsync(Guid id, CancellationToken ct)
    {
        const string sql = "delete from images where id = @id and status = 'uploaded'";
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(sql, new { id }, cancellationToken: ct));
    }

    public async Task<ImageRow?> MarkSavedLocallyAsync(Guid id, StagedImage staged, string log, CancellationToken ct)
    {
        const string sql = $"""
            update images
            set status = 'saved-locally', local_path = @BlobName, content_type = @ContentType, bytes = @Bytes,
                width = @Width, height = @Height, sha256 = @Sha256, error = null, log = log || @log::jsonb, updated_at = now()
            where id = @id and status = 'uploaded'
            returning {Columns}
            """;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<ImageRow>(new CommandDefinition(sql,
            new { id, staged.BlobName, staged.ContentType, staged.Bytes, staged.Width, staged.Height, staged.Sha256, log }, cancellationToken: ct));
    }

    /// <summary>
    /// The bytes could not be stored: the row stays for operators, the idempotency key is released so the
    /// client's retry with the same key starts afresh.
    /// </summary>
    public async Task MarkLocalFailureAsync(Guid id, string error, string log, CancellationToken ct)
    {
        const string sql = """
            with failed as (
                update images set status = 'local-upload-failure', error = @error, log = log || @log::jsonb, updated_at = now()
                where id = @id and status = 'uploaded'
                returning id)
            delete from image_idempotency_keys where image_id in (select id from failed)
            """;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(sql, new { id, error, log }, cancellationToken: ct));
    }

    /// <summary>Appends to the log and answers the row as it is now (null when it is gone).</summary>
    public async Task<ImageRow?> AppendLogReturningAsync(Guid id, string log, CancellationToken ct)
    {
        const string sql = $"update images set log = log || @log::jsonb where id = @id returning {Columns}";
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<ImageRow>(new CommandDefinition(sql, new { id, log }, cancellationToken: ct));
    }

    /// <summary>
    /// An operator's retry: a fresh round of attempts, due now (it also takes back an operator's give-up). Only for
    /// images whose bytes are staged and not yet in Cloudinary; null when the image is in another state (or gone).
    /// </summary>
    public async Task<ImageRow?> ScheduleManualRetryAsync(Guid id, string log, CancellationToken ct)
    {
        const string sql = $"""
            update images
            set attempts = 0, next_attempt_at = now(), given_up_at = null, log = log || @log::jsonb, updated_at = now()
            where id = @id and status in ('cld-upload-failure', 'saved-locally')
            returning {Columns}
            """;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<ImageRow>(new CommandDefinition(sql, new { id, log }, cancellationToken: ct));
    }
}
