namespace Checkup.Core.Images;

/// <summary>The checks every block passes on its way to the staging blob: size, type and pixel count.</summary>
public sealed partial class ImageUploads
{
    /// <summary>Feeds the next block to the checks; a refusal as soon as one of them fails.</summary>
    private static UploadOutcome.Refused? Check(ImageSniffer sniffer, byte[] buffer, int filled, long total, ImageOptions o)
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
            if (filled < BlockSize && !sniffer.Decided)
            {
                sniffer.Finish(); // a short block is the last one
            }
        }

        return Refusal(sniffer, o);
    }

    private static UploadOutcome.Refused? Refusal(ImageSniffer sniffer, ImageOptions o)
    {
        if (sniffer.Problem is { } problem)
        {
            return new(UploadRefusal.NotAnImage, problem + " Allowed: JPEG, PNG, WebP, GIF.");
        }

        return sniffer.Header is { } header && header.Pixels > o.MaxPixels
            ? new(UploadRefusal.TooManyPixels, $"The image is {header.Width}x{header.Height} pixels; at most {o.MaxPixels} pixels are accepted.")
            : null;
    }

    /// <summary>Reads until the buffer is full or the stream ends (request bodies arrive in small pieces).</summary>
    private static async Task<int> FillAsync(Stream file, byte[] buffer, CancellationToken ct)
    {
        var filled = 0;
        while (filled < BlockSize)
        {
            var read = await file.ReadAsync(buffer.AsMemory(filled, BlockSize - filled), ct);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return filled;
    }
}
