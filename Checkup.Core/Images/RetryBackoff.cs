namespace Checkup.Core.Images;

/// <summary>
/// Exponential backoff with jitter: after the n-th failed push the next one waits base x 2^(n-1), capped, then
/// scaled into [50 %, 100 %] so images that failed together (a Cloudinary outage) do not come back together.
/// </summary>
public static class RetryBackoff
{
    /// <param name="failedAttempts">attempts made so far, this one included (1 after the first failure).</param>
    /// <param name="random">a number in [0, 1).</param>
    public static TimeSpan Delay(int failedAttempts, TimeSpan baseDelay, TimeSpan maxDelay, double random)
    {
        var exponent = Math.Clamp(failedAttempts - 1, 0, 30);
        var ceiling = Math.Min(baseDelay.TotalMilliseconds * Math.Pow(2, exponent), maxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(ceiling * (0.5 + 0.5 * random));
    }

    /// <summary>null once <paramref name="failedAttempts"/> reaches <paramref name="options"/>' maximum: the image then waits for an operator.</summary>
    public static TimeSpan? Next(int failedAttempts, ImageOptions options, double random) =>
        failedAttempts >= options.MaxAttempts ? null : Delay(failedAttempts, options.RetryBaseDelay, options.RetryMaxDelay, random);
}
