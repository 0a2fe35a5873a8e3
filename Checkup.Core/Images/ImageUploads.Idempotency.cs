using System.Buffers;
using System.Security.Cryptography;

namespace Checkup.Core.Images;

/// <summary>
/// A repeated <c>Idempotency-Key</c> replays the first answer only for the same request. "The same" is the same file:
/// the SHA-256 of the <c>file</c> part's bytes equals the first image's (<c>images.sha256</c>). The multipart envelope
/// (boundary, file name, declared type, other fields) is left out: clients choose a new boundary for every request,
/// so a genuine retry would never match. Another file under a used key is a 422, as payment APIs answer it.
/// </summary>
public sealed partial class ImageUploads
{
    /// <summary>
    /// What a request with a used key answers, or null when the key is unused (or was released by a failed upload), so
    /// the request uploads afresh. Reads <paramref name="file"/> to its end only when the first image's bytes are stored.
    /// </summary>
    private async Task<UploadOutcome?> ReplayOrReuseAsync(string ownerId, string idempotencyKey, ReadOnlyMemory<byte> read, Stream file, CancellationToken ct) =>
        await FindReplayAsync(ownerId, idempotencyKey, ct) switch
        {
            UploadOutcome.Replayed { Image: { Sha256: { } sha256 } first } replayed =>
                string.Equals(await Sha256Async(read, file, ct), sha256, StringComparison.OrdinalIgnoreCase) ? replayed : new UploadOutcome.KeyReused(first.Id),
            var other => other,
        };

    /// <summary>
    /// The SHA-256 of <paramref name="read"/> and the rest of <paramref name="file"/>; null once the whole exceeds the
    /// largest accepted file, which no stored image can equal (the rest is not read).
    /// </summary>
    private async Task<string?> Sha256Async(ReadOnlyMemory<byte> read, Stream file, CancellationToken ct)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(read.Span);
        long total = read.Length;
        var buffer = ArrayPool<byte>.Shared.Rent(PrefixSize);
        try
        {
            for (var n = await file.ReadAsync(buffer, ct); n > 0; n = await file.ReadAsync(buffer, ct))
            {
                total += n;
                if (total > options.Value.MaxBytes)
                {
                    return null;
                }

                hash.AppendData(buffer, 0, n);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
