using Dapper;
using Npgsql;

namespace Checkup.Core.Images;

/// <summary>
/// ProcessImage's statements. They run inside one transaction that holds the row lock (<c>for no key update</c>:
/// it does not block submissions whose foreign keys point at the image) for the whole Cloudinary push, so a
/// second invocation for the same image skips it instead of pushing it again, and a crash releases it.
/// </summary>
public sealed partial class ImageStore
{
    /// <summary>The row, locked; null when it is missing or another transaction holds it (see <see cref="StatusAsync"/>).</summary>
    internal static Task<ImageRow?> LockForProcessingAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, CancellationToken ct)
    {
        const string sql = $"select {Columns} from images where id = @id for no key update skip locked";
        return connection.QuerySingleOrDefaultAsync<ImageRow>(new CommandDefinition(sql, new { id }, transaction, cancellationToken: ct));
    }

    /// <summary>The status without taking a lock (to tell "missing" from "being processed elsewhere").</summary>
    internal static Task<string?> StatusAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, CancellationToken ct)
    {
        const string sql = "select status from images where id = @id";
        return connection.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(sql, new { id }, transaction, cancellationToken: ct));
    }

    internal static Task<int> MarkSavedInCloudinaryAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id,
        Cloudinary.CloudinaryAsset asset, string log, CancellationToken ct)
    {
        const string sql = """
            update images
            set status = 'saved-cld', cloudinary_url = @SecureUrl, cloudinary_public_id = @PublicId, cloudinary_version = @Version,
                cloudinary_asset_id = @AssetId, error = null, next_attempt_at = null, log = log || @log::jsonb, updated_at = now()
            where id = @id and status in ('saved-locally', 'cld-upload-failure')
            """;
        return connection.ExecuteAsync(new CommandDefinition(sql,
            new { id, asset.SecureUrl, asset.PublicId, asset.Version, asset.AssetId, log }, transaction, cancellationToken: ct));
    }

    /// <summary>
    /// Counts the attempt; <paramref name="nextAttemptAt"/> (UTC) null means "not retried automatically" (permanent, or out
    /// of attempts). The instant comes from the processor, which also logs it and hides the retry's message until then.
    /// </summary>
    internal static Task<int> MarkCloudinaryFailureAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id,
        string error, DateTime? nextAttemptAt, string log, CancellationToken ct)
    {
        const string sql = """
            update images
            set status = 'cld-upload-failure', attempts = attempts + 1, error = @error,
                next_attempt_at = @nextAttemptAt, log = log || @log::jsonb, updated_at = now()
            where id = @id and status in ('saved-locally', 'cld-upload-failure')
            """;
        return connection.ExecuteAsync(new CommandDefinition(sql, new { id, error, nextAttemptAt, log }, transaction, cancellationToken: ct));
    }

    /// <summary>The staged copy is gone before it reached Cloudinary: the bytes are lost, nothing can retry it.</summary>
    internal static Task<int> MarkStagedCopyLostAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id,
        string error, string log, CancellationToken ct)
    {
        const string sql = """
            update images
            set status = 'local-upload-failure', error = @error, next_attempt_at = null, log = log || @log::jsonb, updated_at = now()
            where id = @id and status in ('saved-locally', 'cld-upload-failure')
            """;
        return connection.ExecuteAsync(new CommandDefinition(sql, new { id, error, log }, transaction, cancellationToken: ct));
    }
}
