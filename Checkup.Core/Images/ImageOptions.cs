namespace Checkup.Core.Images;

/// <summary>Limits and timings of the image pipeline (<c>Images__*</c> settings).</summary>
public sealed class ImageOptions
{
    /// <summary><c>Images__MaxBytes</c>: largest accepted file (Cloudinary's free plan caps images at 10 MB).</summary>
    public long MaxBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary><c>Images__MaxPixels</c>: width x height cap, so a tiny file cannot declare a decompression bomb (Cloudinary's free plan allows 25 MP).</summary>
    public long MaxPixels { get; set; } = 25_000_000;

    /// <summary>
    /// <c>Images__LosslessJpeg</c>: JPEGs keep their coded data when their metadata is removed (the same pixels; about
    /// 1.3 s of CPU for a 12 MP photo, bench/image-strip). <c>false</c>: libvips encodes them again at quality 92 (about a
    /// tenth of the CPU; the pixels change slightly).
    /// </summary>
    public bool LosslessJpeg { get; set; } = true;

    /// <summary><c>Images__MaxAttempts</c>: Cloudinary pushes before an image stays failed for an operator to retry.</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary><c>Images__RetryBaseDelay</c>: delay after the first failed push; doubles with every further one.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary><c>Images__RetryMaxDelay</c>: the backoff never waits longer than this.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromHours(2);

    /// <summary>
    /// <c>Images__StuckAfter</c>: an image that made no progress for this long is recovered by the cleanup (lost
    /// message, crashed process). Longer than any upload request can last (the platform stops requests at 230 s).
    /// </summary>
    public TimeSpan StuckAfter { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary><c>Images__UnreferencedGrace</c>: images no submission references are deleted this long after upload.</summary>
    public TimeSpan UnreferencedGrace { get; set; } = TimeSpan.FromDays(7);

    /// <summary><c>Images__CleanupBatchSize</c>: rows one cleanup transaction locks at a time.</summary>
    public int CleanupBatchSize { get; set; } = 50;

    /// <summary><c>Images__CleanupMaxBatches</c>: batches per step and run, so one run stays bounded.</summary>
    public int CleanupMaxBatches { get; set; } = 20;

    /// <summary><c>Images__UploadDeadline</c>: an upload's body must have arrived within this long (a 10 MiB file at 50 KB/s takes 210 s).</summary>
    public TimeSpan UploadDeadline { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// <c>Images__UploadMinBytesPerSecond</c> over every <c>Images__UploadRateWindow</c>: the least an upload must keep
    /// sending. Unlike Kestrel's minimum rate, which averages over the whole body, a fast start buys no slow tail.
    /// </summary>
    public int UploadMinBytesPerSecond { get; set; } = 1024;

    /// <summary><c>Images__UploadRateWindow</c>: the sliding window the minimum rate is measured over.</summary>
    public TimeSpan UploadRateWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary><c>Images__MaxConcurrentUploads</c>: uploads one person may have in flight at once (the form has three images).</summary>
    public int MaxConcurrentUploads { get; set; } = 4;

    internal static string? Problem(ImageOptions o)
    {
        var problems = new List<string>();
        if (o.MaxBytes <= 0) problems.Add("Images__MaxBytes must be a positive number of bytes, e.g. 10485760.");
        if (o.MaxPixels <= 0) problems.Add("Images__MaxPixels must be a positive number of pixels, e.g. 25000000.");
        if (o.MaxAttempts <= 0) problems.Add("Images__MaxAttempts must be at least 1.");
        if (o.RetryBaseDelay < TimeSpan.Zero || o.RetryMaxDelay < o.RetryBaseDelay)
            problems.Add("Images__RetryBaseDelay and Images__RetryMaxDelay must be time spans with base <= max, e.g. '00:01:00' and '02:00:00'.");
        if (o.StuckAfter < TimeSpan.Zero) problems.Add("Images__StuckAfter must be a non-negative time span, e.g. '00:10:00'.");
        if (o.UnreferencedGrace < TimeSpan.Zero) problems.Add("Images__UnreferencedGrace must be a non-negative time span, e.g. '7.00:00:00'.");
        if (o.CleanupBatchSize <= 0 || o.CleanupMaxBatches <= 0) problems.Add("Images__CleanupBatchSize and Images__CleanupMaxBatches must be at least 1.");
        if (o.UploadDeadline <= TimeSpan.Zero || o.UploadRateWindow <= TimeSpan.Zero || o.UploadMinBytesPerSecond < 0)
            problems.Add("Images__UploadDeadline and Images__UploadRateWindow must be positive time spans (e.g. '00:05:00' and '00:00:10'), Images__UploadMinBytesPerSecond a non-negative number.");
        if (o.MaxConcurrentUploads <= 0) problems.Add("Images__MaxConcurrentUploads must be at least 1.");
        return problems.Count == 0 ? null : string.Join(" ", problems);
    }
}
