namespace Checkup.Core.Images;

/// <summary>The checks every block passes on its way to the staging blob: size, type and pixel count.</summary>
public sealed partial class ImageUploads
{
    /// <summary>Feeds the next block to the checks; a refusal as soon as one of them fails.</summary>
    private static UploadOutcome.Refused? Check(ImageSniffer sniffer, byte[] buffer, int filled, long total, bool last, ImageOptions o)
    {
        if (total == 0)
        {
            return new(UploadRefusal.Empty, "The file is empty.");
        }

        if (total > o.MaxBytes)
        {
            return new(UploadRefusal.TooLarge, $"The file is larger than {o.MaxBytes} bytes.");
        }

        if (!sniffer.Decided)
        {
            sniffer.Feed(buffer.AsSpan(0, filled));
            if (last && !sniffer.Decided)
            {
                sniffer.Finish();
            }
        }

        return Refusal(sniffer, o);
    }

    internal static UploadOutcome.Refused? Refusal(ImageSniffer sniffer, ImageOptions o)
    {
        if (sniffer.Problem is { } problem)
        {
            return new(UploadRefusal.NotAnImage, problem + " Allowed: JPEG, PNG, WebP, GIF.");
        }

        return sniffer.Header is { } header && header.Pixels > o.MaxPixels
            ? new(UploadRefusal.TooManyPixels, $"The image is {header.Width}x{header.Height} pixels; at most {o.MaxPixels} pixels are accepted.")
            : null;
    }

    /// <summary>
    /// A file that is already whole in the first buffer and small (at most <see cref="PrefixSize"/>) is decoded here,
    /// where that costs no memory and little time (decoding only, nothing written), so a truncated or fake image is refused before anything is
    /// stored. Larger files are decoded by ProcessImage before the push (holding them here would cost a buffer per
    /// upload, and decoding would multiply the request's CPU).
    /// </summary>
    private UploadOutcome.Refused? Decode(byte[] buffer, int filled, int capacity, ImageSniffer sniffer)
    {
        if (filled >= capacity || filled > PrefixSize)
        {
            return null;
        }

        var result = sanitizer.Check(buffer[..filled], sniffer.ContentType!);
        return result.Refusal switch
        {
            null => null,
            { } reason when result.TooManyPixels => new(UploadRefusal.TooManyPixels, reason),
            { } reason => new(UploadRefusal.NotAnImage, reason + " Allowed: JPEG, PNG, WebP, GIF."),
        };
    }

    /// <summary>The staged file as the row and the blob's metadata record it, once the sniffer has passed it.</summary>
    private static StagedImage Staged(Guid id, ImageSniffer sniffer, long bytes, string sha256)
    {
        var header = sniffer.Header!;
        return new StagedImage(BlobName(id), header.ContentType, bytes, header.Width, header.Height, sha256);
    }

    /// <summary>Reads until <paramref name="capacity"/> bytes are in or the stream ends (request bodies arrive in small pieces).</summary>
    private static async Task<int> FillAsync(Stream file, byte[] buffer, int capacity, CancellationToken ct)
    {
        var filled = 0;
        while (filled < capacity)
        {
            var read = await file.ReadAsync(buffer.AsMemory(filled, capacity - filled), ct);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return filled;
    }
}
