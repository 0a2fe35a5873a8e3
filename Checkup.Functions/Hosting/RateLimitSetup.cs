using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Checkup.Core;
using Checkup.Functions.Problems;
using Microsoft.Extensions.Options;

namespace Checkup.Functions.Hosting;

/// <summary>
/// Per-person limits on writes (<c>RateLimits__WritesPerMinute</c>, default 120): a token bucket per token subject
/// that allows a burst of a minute's worth and refills evenly. Rejections are 429 problem+json with <c>Retry-After</c>.
/// </summary>
public static class RateLimitSetup
{
    public static IServiceCollection AddCheckupRateLimits(this IServiceCollection services, IConfiguration configuration) =>
        services.AddValidatedOptions<RateLimitOptions>(o => configuration.GetSection("RateLimits").Bind(o), RateLimitOptions.Problem);

    /// <summary>One token bucket per person, <c>RateLimits__WritesPerMinute</c> deep, refilled evenly over a minute.</summary>
    public static RateLimitPartition<string> WritesPartition(HttpContext http) => RateLimitPartition.GetTokenBucketLimiter(
        PartitionKey(http),
        _ =>
        {
            var perMinute = http.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value.WritesPerMinute;
            return new TokenBucketRateLimiterOptions
            {
                TokenLimit = perMinute,
                TokensPerPeriod = 1,
                ReplenishmentPeriod = TimeSpan.FromMinutes(1) / perMinute,
                QueueLimit = 0,
                AutoReplenishment = true,
            };
        });

    /// <summary>Writes need a token, so the subject is there; the address is only a fallback.</summary>
    private static string PartitionKey(HttpContext http) =>
        http.User.FindFirstValue("sub") is { Length: > 0 } sub
            ? "sub:" + sub
            : "ip:" + http.Connection.RemoteIpAddress;

    /// <summary>429 problem+json with Retry-After: the time the refused lease says a token comes back.</summary>
    public static async Task RejectAsync(HttpContext http, RateLimitLease lease)
    {
        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var problem = Problem.Details(StatusCodes.Status429TooManyRequests, "rate_limited", "Too many requests",
            $"Too many writes in a short time; try again in {seconds} s.", new Dictionary<string, object?> { ["retryAfterSeconds"] = seconds });
        await http.RequestServices.GetRequiredService<IProblemDetailsService>()
            .TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem });
    }
}

public sealed class RateLimitOptions
{
    /// <summary><c>RateLimits__WritesPerMinute</c>: writes one person may make per minute (also the burst size).</summary>
    public int WritesPerMinute { get; set; } = 120;

    internal static string? Problem(RateLimitOptions o) => o.WritesPerMinute is >= 1 and <= 1_000_000
        ? null
        : $"RateLimits__WritesPerMinute must be between 1 and 1000000 (it is {o.WritesPerMinute}).";
}
