using System.Security.Claims;
using Checkup.Core.Health;
using Checkup.Functions.Auth;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Checkup.Functions.Health;

public static class HealthApi
{
    public static async Task<Results<Ok<HealthReport>, JsonHttpResult<HealthReport>>> GetHealth(
        HealthProbe probe, ClaimsPrincipal user, IOptions<AuthOptions> auth, ILoggerFactory loggers, CancellationToken ct)
    {
        var report = await probe.CheckAsync(ct);
        if (!report.Healthy)
        {
            foreach (var (name, check) in report.Checks.Where(c => c.Value.Error is not null))
            {
                loggers.CreateLogger(typeof(HealthApi)).LogWarning("Health: {Dependency} is {Status}: {Error}", name, check.Status, check.Error);
            }
        }

        // An error names internal addresses and ports ("Failed to connect to 127.0.0.1:54591"): not for anonymous callers.
        var shown = AuthSetup.IsAdmin(user, auth.Value.AdminRole) ? report : report.WithoutErrors();
        return shown.Healthy
            ? TypedResults.Ok(shown)
            : TypedResults.Json(shown, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
