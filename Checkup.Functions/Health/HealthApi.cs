using Checkup.Core.Health;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Checkup.Functions.Health;

public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder api)
    {
        api.MapGet("/health", GetHealth)
            .AllowAnonymous()
            .WithTags("Health")
            .WithName("Health")
            .WithSummary("Liveness and readiness of the database and storage (200 healthy, 503 otherwise).");
        return api;
    }

    public static async Task<Results<Ok<HealthReport>, JsonHttpResult<HealthReport>>> GetHealth(HealthProbe probe, CancellationToken ct)
    {
        var report = await probe.CheckAsync(ct);
        return report.Healthy
            ? TypedResults.Ok(report)
            : TypedResults.Json(report, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
